package org.sparsa.runner.internal.sweep;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A run folder packed into bytes to travel between cluster members, and unpacked again: regular
 * files only, paths relative to the folder with {@code /} separators, in sorted order.
 */
public final class FolderArchive {
    private FolderArchive() {
    }

    /** Packs every regular file under {@code folder}. */
    public static byte[] pack(Path folder) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Path file : files) {
                String name = folder.relativize(file).toString().replace(
                        folder.getFileSystem().getSeparator(), "/");
                zip.putNextEntry(new ZipEntry(name));
                Files.copy(file, zip);
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /**
     * Unpacks {@code archive} into {@code folder}, which must exist.
     *
     * @throws IOException when the archive is damaged, or an entry would land outside the
     *     folder; the message names the entry
     */
    public static void unpack(byte[] archive, Path folder) throws IOException {
        Path root = folder.toAbsolutePath().normalize();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(archive))) {
            for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
                Path target = root.resolve(entry.getName()).normalize();
                // A member is trusted, but a damaged or crafted archive must not write outside
                // the sweep folder.
                if (!target.startsWith(root) || target.equals(root)) {
                    throw new IOException("archive entry '" + entry.getName()
                            + "' lies outside the folder it unpacks into");
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target)) {
                    copy(zip, out);
                }
            }
        }
    }

    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            out.write(buffer, 0, n);
        }
    }
}
