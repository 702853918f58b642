package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * {@link FullAttentionFunction} called directly, through a stand-in for the engine's context:
 * the output and the gradients against the float64 reference, sequence by sequence, on both
 * backends. The OpenCL cases are skipped without an OpenCL device, except under {@code CI=true}.
 */
class FullAttentionFunctionTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0} B={1} T={2} Hq={3} Hkv={4} D={5} window={6}")
    @CsvSource({
        "JAVA, 3, 37, 4, 2, 16, 0",
        "JAVA, 2, 70, 4, 1, 8, 0",
        "JAVA, 2, 130, 2, 2, 32, 0",
        "JAVA, 2, 90, 6, 3, 16, 7",
        "JAVA, 1, 1, 2, 1, 8, 0",
        "OPENCL, 3, 37, 4, 2, 16, 0",
        "OPENCL, 2, 70, 4, 1, 8, 0",
        "OPENCL, 2, 90, 6, 3, 16, 7",
    })
    void agreesWithTheReference(BackendKind backend, int batch, int length, int queryHeads,
            int kvHeads, int headDim, int window) {
        if (backend == BackendKind.OPENCL) {
            requireOpenCl();
        }
        FullAttentionSpec spec = new FullAttentionSpec(length, queryHeads, kvHeads, headDim,
                window);
        SplittableRandom random = new SplittableRandom(batch * 1009L + length * 31L + window);
        float[] q = AttentionTensors.gaussian(random, batch * spec.querySize(), 2.0);
        float[] k = AttentionTensors.gaussian(random, batch * spec.kvSize(), 1.0);
        float[] v = AttentionTensors.gaussian(random, batch * spec.kvSize(), 1.0);
        float[] dout = AttentionTensors.gaussian(random, batch * spec.querySize(), 1.0);
        int[] qShape = {batch, length, queryHeads, headDim};
        int[] kvShape = {batch, length, kvHeads, headDim};

        TestFunctionContext context = new TestFunctionContext(backend);
        FullAttentionFunction function = new FullAttentionFunction(window);
        Tensor[] out = function.forward(context, DenseTensor.wrap(q, qShape),
                DenseTensor.wrap(k, kvShape), DenseTensor.wrap(v, kvShape));
        assertEquals(1, out.length);
        assertArrayEquals(qShape, out[0].shape());
        assertEquals(5, context.saved().size());
        assertArrayEquals(new int[] {batch, length, queryHeads},
                context.saved().get(4).shape());
        Tensor[] gradients = function.backward(context, DenseTensor.wrap(dout, qShape));
        assertEquals(3, gradients.length);
        assertArrayEquals(qShape, gradients[0].shape());
        assertArrayEquals(kvShape, gradients[1].shape());
        assertArrayEquals(kvShape, gradients[2].shape());

        for (int b = 0; b < batch; b++) {
            double[] qs = sequence(q, b, spec.querySize());
            double[] ks = sequence(k, b, spec.kvSize());
            double[] vs = sequence(v, b, spec.kvSize());
            FullAttentionReference.Gradients want = FullAttentionReference.backward(spec, qs,
                    ks, vs, sequence(dout, b, spec.querySize()));
            String where = backend + " sequence " + b + " ";
            AttentionTensors.assertClose(where + "o", FullAttentionReference.forward(spec, qs,
                    ks, vs), part(out[0], b, spec.querySize()), TOLERANCE, TOLERANCE);
            AttentionTensors.assertClose(where + "dq", want.dq(),
                    part(gradients[0], b, spec.querySize()), TOLERANCE, TOLERANCE);
            AttentionTensors.assertClose(where + "dk", want.dk(),
                    part(gradients[1], b, spec.kvSize()), TOLERANCE, TOLERANCE);
            AttentionTensors.assertClose(where + "dv", want.dv(),
                    part(gradients[2], b, spec.kvSize()), TOLERANCE, TOLERANCE);
        }
    }

    @Test
    void eachSequenceOfTheBatchIsAttendedOnItsOwn() {
        // The batch's outputs equal those of each sequence alone, bit for bit.
        FullAttentionSpec spec = new FullAttentionSpec(50, 4, 2, 8, 0);
        SplittableRandom random = new SplittableRandom(5);
        float[] q = AttentionTensors.gaussian(random, 2 * spec.querySize(), 1.0);
        float[] k = AttentionTensors.gaussian(random, 2 * spec.kvSize(), 1.0);
        float[] v = AttentionTensors.gaussian(random, 2 * spec.kvSize(), 1.0);
        Tensor o = new FullAttentionFunction(0).forward(new TestFunctionContext(BackendKind.JAVA),
                DenseTensor.wrap(q, 2, 50, 4, 8), DenseTensor.wrap(k, 2, 50, 2, 8),
                DenseTensor.wrap(v, 2, 50, 2, 8))[0];
        float[] second = FlashAttention.forward(spec,
                Arrays.copyOfRange(q, spec.querySize(), 2 * spec.querySize()),
                Arrays.copyOfRange(k, spec.kvSize(), 2 * spec.kvSize()),
                Arrays.copyOfRange(v, spec.kvSize(), 2 * spec.kvSize())).o();
        assertArrayEquals(second, Arrays.copyOfRange(o.toArray(), spec.querySize(),
                2 * spec.querySize()));
    }

    @Test
    void inputsThatNeedNoGradientGetNone() {
        TestFunctionContext context = new TestFunctionContext(BackendKind.JAVA, false, true,
                false);
        FullAttentionFunction function = new FullAttentionFunction(0);
        float[] q = AttentionTensors.gaussian(new SplittableRandom(1), 2 * 5 * 2 * 4, 1.0);
        float[] kv = AttentionTensors.gaussian(new SplittableRandom(2), 2 * 5 * 1 * 4, 1.0);
        function.forward(context, DenseTensor.wrap(q, 2, 5, 2, 4), DenseTensor.wrap(kv, 2, 5, 1, 4),
                DenseTensor.wrap(kv, 2, 5, 1, 4));
        Tensor[] gradients = function.backward(context, DenseTensor.wrap(q, 2, 5, 2, 4));
        assertNull(gradients[0]);
        assertNotNull(gradients[1]);
        assertNull(gradients[2]);
    }

    @Test
    void shapesThatDoNotFitAreNamed() {
        FullAttentionFunction function = new FullAttentionFunction(0);
        TestFunctionContext context = new TestFunctionContext(BackendKind.JAVA);
        Tensor q = DenseTensor.zeros(2, 5, 4, 8);
        Tensor kv = DenseTensor.zeros(2, 5, 2, 8);
        assertRejected("q [5, 4, 8]", () -> function.forward(context, DenseTensor.zeros(5, 4, 8),
                kv, kv));
        assertRejected("v [2, 5, 1, 8]", () -> function.forward(context, q, kv,
                DenseTensor.zeros(2, 5, 1, 8)));
        assertRejected("k [2, 6, 2, 8]", () -> function.forward(context, q,
                DenseTensor.zeros(2, 6, 2, 8), DenseTensor.zeros(2, 6, 2, 8)));
        assertRejected("k [1, 5, 2, 8]", () -> function.forward(context, q,
                DenseTensor.zeros(1, 5, 2, 8), DenseTensor.zeros(1, 5, 2, 8)));
        assertRejected("k [2, 5, 3, 8]", () -> function.forward(context, q,
                DenseTensor.zeros(2, 5, 3, 8), DenseTensor.zeros(2, 5, 3, 8)));
        assertRejected("k [2, 5, 2, 4]", () -> function.forward(context, q,
                DenseTensor.zeros(2, 5, 2, 4), DenseTensor.zeros(2, 5, 2, 4)));
        assertRejected("3 inputs", () -> function.forward(context, q, kv));
        assertRejected("window", () -> new FullAttentionFunction(-1));

        function.forward(context, q, kv, kv);
        assertRejected("[2, 5, 4, 7]", () -> function.backward(context,
                DenseTensor.zeros(2, 5, 4, 7)));
    }

    @Test
    void theOpenClKernelsAreSharedUntilReleased() {
        requireOpenCl();
        OpenClFullAttention first = FullAttentionFunction.sharedOpenCl();
        assertSame(first, FullAttentionFunction.sharedOpenCl());
        FullAttentionFunction.releaseOpenCl();
        FullAttentionSpec spec = new FullAttentionSpec(2, 1, 1, 4, 0);
        assertThrows(IllegalStateException.class,
                () -> first.forward(spec, new float[8], new float[8], new float[8]));
        OpenClFullAttention second = FullAttentionFunction.sharedOpenCl();
        assertNotSame(first, second);
        assertEquals(8, second.forward(spec, new float[8], new float[8], new float[8]).o().length);
    }

    private static void assertRejected(String mentioned, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().startsWith("full attention: "), e::getMessage);
        assertTrue(e.getMessage().contains(mentioned), e::getMessage);
    }

    static void requireOpenCl() {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(OpenClFullAttention.isAvailable(),
                    "CI=true but no OpenCL device: the OpenCL path must be exercised in CI");
        } else {
            assumeTrue(OpenClFullAttention.isAvailable(), "no OpenCL device");
        }
    }

    private static double[] sequence(float[] x, int b, int size) {
        return AttentionTensors.widen(Arrays.copyOfRange(x, b * size, (b + 1) * size));
    }

    private static float[] part(Tensor x, int b, int size) {
        return Arrays.copyOfRange(x.toArray(), b * size, (b + 1) * size);
    }
}
