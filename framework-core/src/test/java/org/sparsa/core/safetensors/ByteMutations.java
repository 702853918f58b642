package org.sparsa.core.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Structured-but-wrong variants of a valid file for fuzzing its reader: a few random edits
 * (bytes flipped, digits changed, ranges cut or doubled, the header length rewritten, the file
 * truncated), most of them inside the header, where the reader's checks are.
 */
public final class ByteMutations {
    private ByteMutations() {}

    /** {@code valid} after {@code edits} random edits drawn from {@code seed}. */
    public static byte[] mutate(byte[] valid, long seed, int edits) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] bytes = valid.clone();
        int header = headerEnd(valid);
        for (int e = 0; e < edits; e++) {
            if (bytes.length == 0) {
                return bytes;
            }
            // Three edits in four land in the header (the first 8 + length bytes).
            int span = random.nextInt(4) < 3 ? Math.min(header, bytes.length) : bytes.length;
            int at = random.nextInt(Math.max(1, span));
            switch (random.nextInt(7)) {
                case 0 -> bytes[at] = (byte) random.nextInt(256);
                case 1 -> bytes[at] = (byte) ('0' + random.nextInt(10));
                case 2 -> bytes[at] = (byte) "{}[]\",:-0e.".charAt(random.nextInt(11));
                case 3 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
                case 4 -> {
                    int length = random.nextInt(Math.min(64, bytes.length - at) + 1);
                    byte[] cut = new byte[bytes.length - length];
                    System.arraycopy(bytes, 0, cut, 0, at);
                    System.arraycopy(bytes, at + length, cut, at, bytes.length - at - length);
                    bytes = cut;
                }
                case 5 -> {
                    int length = random.nextInt(Math.min(64, bytes.length - at) + 1);
                    byte[] doubled = new byte[bytes.length + length];
                    System.arraycopy(bytes, 0, doubled, 0, at + length);
                    System.arraycopy(bytes, at, doubled, at + length, bytes.length - at);
                    bytes = doubled;
                }
                default -> {
                    if (bytes.length >= 8) {
                        long length = switch (random.nextInt(4)) {
                            case 0 -> random.nextLong();
                            case 1 -> random.nextInt(bytes.length + 16);
                            case 2 -> Long.MAX_VALUE - random.nextInt(16);
                            default -> header - 8 + random.nextInt(-8, 9);
                        };
                        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
                    }
                }
            }
        }
        return bytes;
    }

    /** Where the header of a valid file ends: 8 + its length. */
    private static int headerEnd(byte[] valid) {
        long length = ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        return (int) Math.min(valid.length, 8 + length);
    }
}
