package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.launcher.DistributionScript.Output;

/**
 * Follows {@code docs/plugin-guide.md} block by block: its shell commands run (the scaffold
 * through {@code bin/sparsa}, Maven through the project's wrapper, offline, and the other
 * {@code sparsa} commands inside a framework that runs throughout, so that copying a jar into
 * its plugin folder is a hot deploy), its Java files are written into the project and compiled
 * and tested by the build, its diffs are applied, and its recipe trains, shortened. A block of
 * any other kind, or a command this test does not know, fails it: nothing in the guide goes
 * unchecked.
 */
class PluginGuideIT {
    private static final Path GUIDE = Path.of(System.getProperty("sparsa.guide",
            "../docs/plugin-guide.md"));
    private static final String HOME = "$SPARSA_HOME";
    private static final String PLUGIN_ID = "local_window";
    /** The guide's promise: a variant in under 200 lines, commands and recipe included. */
    private static final int MOST_LINES = 200;

    /** A fenced block: its language, {@code key=value} attributes, text and first line. */
    record Block(String language, Map<String, String> attributes, String text, int line) {
        String file() {
            String file = attributes.get("file");
            assertTrue(file != null, "guide line " + line + ": a " + language
                    + " block needs file=PATH");
            return file;
        }
    }

    @Test
    void everyBlockOfTheGuideRuns(@TempDir Path folder) throws Exception {
        List<Block> blocks = blocks(Files.readString(GUIDE));
        int lines = blocks.stream().mapToInt(b -> (int) b.text().lines()
                .filter(l -> !l.isBlank()).count()).sum();
        assertTrue(lines < MOST_LINES, "the guide's code has " + lines + " lines");
        try (GuideSession session = new GuideSession(folder)) {
            for (Block block : blocks) {
                switch (block.language()) {
                    case "bash" -> {
                        for (String command : block.text().lines().toList()) {
                            session.shell(command.strip(), block.line());
                        }
                    }
                    case "java", "yaml" -> Files.writeString(session.cwd.resolve(block.file()),
                            block.text());
                    case "diff" -> apply(session.cwd.resolve(block.file()), block);
                    default -> fail("guide line " + block.line() + ": a " + block.language()
                            + " block is not checked by this test");
                }
            }
            assertEquals(List.of("0.1.0", "0.2.0"), session.versionsSeen,
                    "the guide deploys the first version, then swaps in the second");
        }
    }

    /** The state the guide's commands share: the folder they run in and the framework. */
    private static final class GuideSession implements AutoCloseable {
        private final Path folder;
        private final Distribution running;
        private final List<String> versionsSeen = new ArrayList<>();
        private Path cwd;
        private EmbeddedFramework framework;
        private String deployedVersion;

        GuideSession(Path folder) throws IOException {
            this.folder = folder;
            this.cwd = folder;
            this.running = PluginProjects.copyWithoutPlugins(folder.resolve("sparsa"));
        }

        void shell(String command, int line) throws Exception {
            if (command.isEmpty() || command.startsWith("#")) {
                return;
            }
            List<String> words = Arrays.asList(command.split("\\s+"));
            String where = "guide line " + line + ": " + command;
            if (command.startsWith(HOME + "/bin/sparsa new plugin")) {
                Output created = DistributionScript.run(PluginProjects.DISTRIBUTION, cwd,
                        words.subList(1, words.size()));
                assertEquals(0, created.exit(), () -> where + "\n" + created);
            } else if (words.get(0).equals("cd") && words.size() == 2) {
                cwd = cwd.resolve(words.get(1));
                assertTrue(Files.isDirectory(cwd), where);
            } else if (words.get(0).equals("./mvnw")) {
                PluginProjects.maven(cwd, words.subList(1, words.size()).toArray(String[]::new));
                if (words.contains("verify")) {
                    PluginProjects.passedTests(cwd);
                }
            } else if (words.get(0).equals("cp") && words.size() == 3
                    && words.get(2).startsWith(HOME + "/bundles/plugins/")) {
                Path jar = cwd.resolve(words.get(1));
                start();
                try (JarFile file = new JarFile(jar.toFile())) {
                    deployedVersion = file.getManifest().getMainAttributes()
                            .getValue("Bundle-Version");
                }
                PluginProjects.deploy(running, jar, Path.of(words.get(2)).getFileName()
                        .toString());
            } else if (words.get(0).equals(HOME + "/bin/sparsa") && words.size() > 1) {
                start();
                sparsa(words.subList(1, words.size()), where);
            } else {
                fail(where + "\nthis command is not checked by the test");
            }
        }

        private void sparsa(List<String> args, String where) throws Exception {
            switch (args.get(0)) {
                case "plugins" -> {
                    PluginProjects.awaitPlugin(framework, "attention", PLUGIN_ID,
                            deployedVersion);
                    Output listed = PluginProjects.run(framework, args.toArray(String[]::new));
                    assertEquals(0, listed.exit(), () -> where + "\n" + listed);
                    List<String> rows = listed.out().lines()
                            .filter(l -> l.contains(" " + PLUGIN_ID + " ")).toList();
                    assertEquals(1, rows.size(), () -> where + ": one " + PLUGIN_ID
                            + " row expected (the swap replaces the bundle)\n" + listed);
                    assertTrue(rows.get(0).contains(deployedVersion)
                            && rows.get(0).contains("org.example.sparsa.local_window"),
                            () -> where + "\n" + listed);
                    versionsSeen.add(deployedVersion);
                }
                case "run" -> {
                    List<String> shortened = new ArrayList<>(List.of("run",
                            cwd.resolve(args.get(1)).toString()));
                    shortened.addAll(args.subList(2, args.size()));
                    Path run = folder.resolve("run");
                    shortened.addAll(List.of("output.dir=" + run, "backend=java",
                            "stages.0.steps=2", "stages.0.batch=2", "stages.0.schedule.warmup=1",
                            "stages.0.eval_every=2", "stages.0.checkpoint_every=2",
                            "task.config.eval_size=4"));
                    Output trained = PluginProjects.run(framework,
                            shortened.toArray(String[]::new));
                    assertEquals(0, trained.exit(), () -> where + "\n" + trained);
                    JsonNode result = PluginProjects.result(run);
                    assertEquals("completed", result.get("status").asText(), result::toString);
                    assertTrue(Files.readString(run.resolve("config.resolved.yaml"))
                            .contains(PLUGIN_ID), where);
                }
                default -> fail(where + "\nthis sparsa command is not checked by the test");
            }
        }

        /** The framework runs from the first deploy on, so that every deploy is a hot one. */
        private void start() throws Exception {
            if (framework == null) {
                framework = EmbeddedFramework.start(running, Map.of());
            }
        }

        @Override
        public void close() {
            if (framework != null) {
                framework.close();
            }
        }
    }

    /** The fenced code blocks of a Markdown text, in order. */
    static List<Block> blocks(String markdown) {
        List<Block> blocks = new ArrayList<>();
        List<String> lines = markdown.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.startsWith("```")) {
                continue;
            }
            String[] info = line.substring(3).strip().split("\\s+");
            Map<String, String> attributes = new LinkedHashMap<>();
            for (String attribute : Arrays.asList(info).subList(1, info.length)) {
                String[] pair = attribute.split("=", 2);
                attributes.put(pair[0], pair.length > 1 ? pair[1] : "");
            }
            StringBuilder text = new StringBuilder();
            int start = i + 1;
            for (i = start; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
                text.append(lines.get(i)).append('\n');
            }
            assertTrue(i < lines.size(), "guide line " + start + ": unclosed code block");
            blocks.add(new Block(info[0], attributes, text.toString(), start));
        }
        return blocks;
    }

    /**
     * Applies a diff block: hunks separated by {@code @@} lines, each of context ({@code ' '}
     * or an empty line), removed ({@code -}) and added ({@code +}) lines; a hunk's old text
     * must occur exactly once in the file.
     */
    private static void apply(Path file, Block block) throws IOException {
        String text = Files.readString(file);
        List<List<String>> hunks = new ArrayList<>(List.of(new ArrayList<>()));
        for (String line : block.text().lines().toList()) {
            if (line.startsWith("@@")) {
                hunks.add(new ArrayList<>());
            } else {
                hunks.get(hunks.size() - 1).add(line);
            }
        }
        for (List<String> hunk : hunks) {
            StringBuilder before = new StringBuilder();
            StringBuilder after = new StringBuilder();
            for (String line : hunk) {
                char mark = line.isEmpty() ? ' ' : line.charAt(0);
                String content = line.isEmpty() ? "" : line.substring(1);
                if (mark != '+') {
                    before.append(content).append('\n');
                }
                if (mark != '-') {
                    after.append(content).append('\n');
                }
            }
            int at = text.indexOf(before.toString());
            assertTrue(at >= 0 && text.indexOf(before.toString(), at + 1) < 0,
                    "guide line " + block.line() + ": the diff's lines\n" + before
                            + "occur " + (at < 0 ? "nowhere" : "more than once") + " in " + file);
            text = text.substring(0, at) + after + text.substring(at + before.length());
        }
        Files.writeString(file, text);
    }
}
