package org.sparsa.core.compute.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Float arrays that kernels borrow for scratch space and give back when done, so that a training
 * loop repeating products of the same shapes stops allocating (and collecting) their packing
 * buffers every step. A borrowed array may be longer than asked for and holds whatever its last
 * user left in it; callers write every element they read. Thread-safe; it keeps at most
 * {@link #KEPT_BYTES} bytes of arrays, so one huge product does not pin its buffers for the life
 * of the backend.
 */
final class ScratchArrays {
    /** The most bytes of arrays kept between borrowings. */
    static final long KEPT_BYTES = 64L << 20;

    private final List<float[]> free = new ArrayList<>();
    private long keptBytes;

    /** An array of at least {@code length} floats, the smallest kept one that fits if any. */
    synchronized float[] borrow(int length) {
        int best = -1;
        for (int i = 0; i < free.size(); i++) {
            int size = free.get(i).length;
            if (size >= length && (best < 0 || size < free.get(best).length)) {
                best = i;
            }
        }
        if (best < 0) {
            return new float[length];
        }
        float[] array = free.remove(best);
        keptBytes -= bytes(array);
        return array;
    }

    /** Takes back {@code array}; the caller must not touch it again. */
    synchronized void giveBack(float[] array) {
        if (bytes(array) > KEPT_BYTES) {
            return;
        }
        free.add(array);
        keptBytes += bytes(array);
        while (keptBytes > KEPT_BYTES) {
            int smallest = 0;
            for (int i = 1; i < free.size(); i++) {
                if (free.get(i).length < free.get(smallest).length) {
                    smallest = i;
                }
            }
            keptBytes -= bytes(free.remove(smallest));
        }
    }

    /** The arrays kept now, for tests. */
    synchronized List<float[]> keptArrays() {
        return List.copyOf(free);
    }

    private static long bytes(float[] array) {
        return (long) array.length * Float.BYTES;
    }
}
