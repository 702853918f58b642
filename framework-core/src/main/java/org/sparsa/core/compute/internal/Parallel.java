package org.sparsa.core.compute.internal;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;

/**
 * Splits independent items over a fork-join pool. Each item owns the outputs it writes and
 * computes them the same way whichever thread runs it, so how the range is split decides only
 * speed, never results. Ranges whose total work is small run on the calling thread, so tiny
 * arrays pay no fork overhead.
 */
final class Parallel {
    /** Roughly the element operations below which forking costs more than it saves. */
    static final long GRAIN = 1L << 15;

    /** The body of a parallel loop: items {@code [from, to)}. */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    private final ForkJoinPool pool;

    Parallel(ForkJoinPool pool) {
        this.pool = pool;
    }

    /** The number of threads the pool runs. */
    int threads() {
        return pool.getParallelism();
    }

    /**
     * Runs {@code body} over items {@code [0, count)}, each costing about {@code workPerItem}
     * element operations.
     */
    void forRange(int count, long workPerItem, Range body) {
        if (count <= 0) {
            return;
        }
        long total = count * Math.max(1, workPerItem);
        int threads = pool.getParallelism();
        if (threads <= 1 || count == 1 || total < 2 * GRAIN) {
            body.run(0, count);
            return;
        }
        // A few chunks per thread balance uneven items without splitting below the grain.
        int chunks = (int) Math.min(count, Math.min(total / GRAIN, 4L * threads));
        pool.invoke(new Chunks(body, count, chunks, 0, chunks));
    }

    /** Chunks {@code [from, to)} of {@code chunks} equal parts of {@code [0, count)}. */
    private static final class Chunks extends RecursiveAction {
        private static final long serialVersionUID = 1L;
        private final transient Range body;
        private final int count;
        private final int chunks;
        private final int from;
        private final int to;

        Chunks(Range body, int count, int chunks, int from, int to) {
            this.body = body;
            this.count = count;
            this.chunks = chunks;
            this.from = from;
            this.to = to;
        }

        @Override
        protected void compute() {
            if (to - from == 1) {
                int start = (int) ((long) from * count / chunks);
                int end = (int) ((long) to * count / chunks);
                body.run(start, end);
                return;
            }
            int middle = (from + to) >>> 1;
            invokeAll(new Chunks(body, count, chunks, from, middle),
                    new Chunks(body, count, chunks, middle, to));
        }
    }
}
