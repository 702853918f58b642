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
        float[] columnScale = values(random, 2 + MicroKernel.COLUMNS);
        for (int mode = 0; mode < 3; mode++) {
            boolean fromZero = mode == 0;
            float[] scale = mode == 2 ? columnScale : null;
            float[] start = values(random, 8 + MicroKernel.ROWS * stride);
            float[] vector = start.clone();
            float[] scalar = start.clone();
            VectorMicroKernel.update(a, 5, b, 3, depth, vector, 8, stride, fromZero, scale, 2);
            MicroKernel.scalar(a, 5, b, 3, depth, scalar, 8, stride, fromZero, scale, 2);
            assertSameBits("tile, mode " + mode, scalar, vector);
        }
    }

    @Test
    void aScaledTileIsTheTileTimesItsColumnsScaleThenUpdated() {
        SplittableRandom random = new SplittableRandom(5);
        int depth = 9;
        int stride = 20;
        float[] a = values(random, depth * MicroKernel.ROWS);
        float[] b = values(random, depth * MicroKernel.COLUMNS);
        float[] columnScale = values(random, MicroKernel.COLUMNS);
        float[] start = values(random, MicroKernel.ROWS * stride);
        float[] scaled = start.clone();
        MicroKernel.scaleAndUpdate(a, 0, b, 0, depth, scaled, 0, stride, columnScale, 0);
        float[] want = start.clone();
        for (int i = 0; i < MicroKernel.ROWS; i++) {
            for (int j = 0; j < MicroKernel.COLUMNS; j++) {
                float t = want[i * stride + j] * columnScale[j];
                for (int p = 0; p < depth; p++) {
                    t = Math.fma(a[p * MicroKernel.ROWS + i], b[p * MicroKernel.COLUMNS + j], t);
                }
                want[i * stride + j] = t;
            }
        }
        assertSameBits("scaled tile", want, scaled);
    }

    private static float[] values(SplittableRandom random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }
}
