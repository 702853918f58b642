package org.sparsa.runner.internal.bench;

import java.util.List;
import java.util.function.Consumer;
import org.sparsa.core.compute.MatmulShape;

/**
 * {@code gemm}: square float32 products {@code [n, n] x [n, n]} on the backend's matmul, the
 * baseline's {@code a @ b}. Records {@code n}, {@code seconds} and {@code gflops}
 * ({@code 2 n^3 / seconds / 1e9}); no plugin is involved, so there is no {@code plugin} field.
 *
 * @param sizes the values of {@code n}; the baseline's are 512, 1024 and 2048
 */
public record GemmWorkload(List<Integer> sizes) implements Workload {
    /** The baseline's sizes. */
    public static final List<Integer> BASELINE_SIZES = List.of(512, 1024, 2048);

    public GemmWorkload {
        sizes = List.copyOf(sizes);
        for (int n : sizes) {
            if (n < 1) {
                throw new IllegalArgumentException("gemm: --sizes must be positive, found " + n);
            }
        }
    }

    @Override
    public String name() {
        return "gemm";
    }

    @Override
    public int baselineRepeats() {
        return 5;
    }

    @Override
    public void run(BenchContext context, Consumer<Measurement> sink) {
        MedianTimer timer = context.timer(baselineRepeats());
        for (int n : sizes) {
            MatmulShape shape = MatmulShape.of(n, n, n);
            float[] a = context.gaussian("gemm.a", n * n);
            float[] b = context.gaussian("gemm.b", n * n);
            float[] c = new float[n * n];
            double seconds = timer.seconds(() -> () -> context.backend().matmul(shape, a, b, c));
            sink.accept(Measurement.of(name(), context.backendName())
                    .with("n", n)
                    .with("seconds", seconds)
                    .with("gflops", 2.0 * n * n * n / seconds / 1e9));
        }
    }
}
