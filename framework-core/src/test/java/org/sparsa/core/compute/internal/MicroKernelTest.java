package org.sparsa.core.compute.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sparsa.core.compute.internal.TestArrays.assertSameBits;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Vector API micro-kernel against the plain loops it must match bit for bit. */
class MicroKernelTest {

    @Test
    void theTestJvmHasTheVectorApi() {
        // The build starts every test JVM with --add-modules jdk.incubator.vector.
        assertTrue(VectorSupport.floatLanes() > 0, "jdk.incubator.vector is not readable");
    }

    @Test
    void vectorAndScalarKernelsGiveTheSameBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(MicroKernel.VECTOR,
                "no eight-float vectors on this machine");
        SplittableRandom random = new SplittableRandom(3);
        int depth = 37;
        int stride = 40;
        float[] a = values(random, 5 + depth * MicroKernel.ROWS);
        float[] b = values(random, 3 + depth * MicroKernel.COLUMNS);
        for (boolean fromZero : new boolean[] {true, false}) {
            float[] start = values(random, 8 + MicroKernel.ROWS * stride);
            float[] vector = start.clone();
            float[] scalar = start.clone();
            VectorMicroKernel.update(a, 5, b, 3, depth, vector, 8, stride, fromZero);
            MicroKernel.scalar(a, 5, b, 3, depth, scalar, 8, stride, fromZero);
            assertSameBits("tile, from zero " + fromZero, scalar, vector);
        }
    }

    private static float[] values(SplittableRandom random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }
}
