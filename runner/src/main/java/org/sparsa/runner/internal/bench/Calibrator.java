package org.sparsa.runner.internal.bench;

import java.io.PrintWriter;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.compute.Calibration;
import org.sparsa.core.compute.OpenClProbe;
import org.sparsa.core.compute.UnaryFunction;
import org.sparsa.runner.internal.plugins.PluginSource;

/**
 * Measures each op family of a {@link Calibration} on every backend this machine can open
 * ({@code java}, and {@code opencl} when an OpenCL device runs the kernels), with the
 * workloads of {@code sparsa bench}: {@link Calibration#MATMUL} a {@code gemm} of size
 * {@code n}, {@link Calibration#ATTENTION} full attention's forward and backward at {@code T}
 * (H = 4 heads of 64, as the baseline), {@link Calibration#ELEMENTWISE} an RMSNorm, a SiLU,
 * a product and a softmax on {@code T x 256} activations, as in a block of the baseline's
 * model.
 *
 * @param n the matrix size
 * @param length the sequence length and the element-wise rows
 */
public record Calibrator(int n, int length) {
    /** The calibration sizes when none are given: the middle of the baseline's. */
    public static final int DEFAULT_SIZE = 1024;
    /**
     * Untimed runs before each op's timed ones when none are asked for: enough for the JIT to
     * have compiled the Java loops, or their first, interpreted runs would make OpenCL look
     * faster than it is.
     */
    public static final int WARMUP = 3;
    /** The width of the element-wise ops' activations: the baseline model's. */
    private static final int WIDTH = 256;

    /**
     * Measures this machine and says how each backend did on {@code log}.
     *
     * @param warmup untimed runs first
     * @param repeats timed runs whose median is kept, or null for the baseline's counts
     */
    public Calibration measure(PluginSource plugins, int warmup, Integer repeats, long seed,
            PrintWriter log) {
        Map<String, Map<String, Double>> seconds = new LinkedHashMap<>();
        for (BackendKind kind : List.of(BackendKind.JAVA, BackendKind.OPENCL)) {
            String name = kind.name().toLowerCase(Locale.ROOT);
            Backend backend;
            try {
                backend = Backends.open(kind);
            } catch (IllegalStateException e) {
                log.println("calibrate: " + name + " left out: " + e.getMessage());
                continue;
            }
            try (backend) {
                BenchContext context = new BenchContext(backend, warmup, repeats, seed, plugins,
                        PluginConfig.empty());
                put(seconds, Calibration.MATMUL, name, measured(new GemmWorkload(List.of(n)),
                        context, "seconds"));
                put(seconds, Calibration.ATTENTION, name, measured(new AttentionWorkload(
                        List.of("full"), List.of(length), AttentionWorkload.BASELINE_HEADS,
                        AttentionWorkload.BASELINE_HEADS, AttentionWorkload.BASELINE_HEAD_DIM,
                        AttentionPasses.FWD_BWD), context, "fwd_bwd_seconds"));
                put(seconds, Calibration.ELEMENTWISE, name, elementwise(context));
            }
            log.println("calibrate: " + name + " measured");
            log.flush();
        }
        String now = DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
                LocalDateTime.now(ZoneOffset.UTC).withNano(0)) + "Z";
        return new Calibration(Calibration.machineKey(OpenClProbe.probe()), now, seconds);
    }

    private static void put(Map<String, Map<String, Double>> seconds, String op, String backend,
            double value) {
        seconds.computeIfAbsent(op, o -> new LinkedHashMap<>()).put(backend, value);
    }

    private static double measured(Workload workload, BenchContext context, String field) {
        List<Measurement> made = new ArrayList<>();
        workload.run(context, made::add);
        return made.get(0).number(field);
    }

    /**
     * What a block of the baseline's model does besides its products, on activations of
     * {@code T x 256} (the baseline's width): an RMSNorm, a SiLU, an element-wise product and
     * a softmax over each row. Sizes like these, not one large array, decide between the
     * backends, since each OpenCL call pays its transfers.
     */
    private double elementwise(BenchContext context) {
        int size = length * WIDTH;
        int[] shape = {length, WIDTH};
        float[] x = context.gaussian("calibrate.x", size);
        float[] gate = context.gaussian("calibrate.gate", size);
        float[] gain = context.gaussian("calibrate.gain", WIDTH);
        float[] normed = new float[size];
        float[] inverseRms = new float[length];
        float[] activated = new float[size];
        float[] product = new float[size];
        float[] probabilities = new float[size];
        AxisLayout rows = new AxisLayout(length, WIDTH, 1);
        Backend backend = context.backend();
        return context.timer(3).seconds(() -> () -> {
            backend.rmsNorm(length, WIDTH, x, gain, 1e-6f, normed, inverseRms);
            backend.map(UnaryFunction.SILU, normed, activated);
            backend.binary(BinaryFunction.MUL, activated, shape, gate, shape, product, shape);
            backend.softmax(rows, product, probabilities, false);
        });
    }
}
