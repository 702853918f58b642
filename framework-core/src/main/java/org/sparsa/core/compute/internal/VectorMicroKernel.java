package org.sparsa.core.compute.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link MicroKernel}'s update with the tile's twelve vectors held in registers across the whole
 * depth, so each step loads two vectors of b and six values of a for twelve fused multiply-adds.
 * C2's auto-vectoriser cannot keep sums in registers across an outer loop, and its fused
 * multiply-add loops vectorised in some compilations and not in others; this one does not depend
 * on it. Twice the throughput of the auto-vectorised kernel it replaced, on AVX2.
 *
 * <p>Only touched when {@link MicroKernel#VECTOR} says the JVM was started with
 * {@code --add-modules jdk.incubator.vector} and has eight-float vectors; otherwise this class is
 * never loaded.
 */
final class VectorMicroKernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    private VectorMicroKernel() {
    }

    static void update(float[] a, int ao, float[] b, int bo, int depth, float[] tile, int t,
            int stride, boolean fromZero, float[] columnScale, int so) {
        int t0 = t;
        int t1 = t0 + stride;
        int t2 = t1 + stride;
        int t3 = t2 + stride;
        int t4 = t3 + stride;
        int t5 = t4 + stride;
        FloatVector c00;
        FloatVector c01;
        FloatVector c10;
        FloatVector c11;
        FloatVector c20;
        FloatVector c21;
        FloatVector c30;
        FloatVector c31;
        FloatVector c40;
        FloatVector c41;
        FloatVector c50;
        FloatVector c51;
        if (fromZero) {
            FloatVector zero = FloatVector.zero(S);
            c00 = zero;
            c01 = zero;
            c10 = zero;
            c11 = zero;
            c20 = zero;
            c21 = zero;
            c30 = zero;
            c31 = zero;
            c40 = zero;
            c41 = zero;
            c50 = zero;
            c51 = zero;
        } else {
            c00 = FloatVector.fromArray(S, tile, t0);
            c01 = FloatVector.fromArray(S, tile, t0 + 8);
            c10 = FloatVector.fromArray(S, tile, t1);
            c11 = FloatVector.fromArray(S, tile, t1 + 8);
            c20 = FloatVector.fromArray(S, tile, t2);
            c21 = FloatVector.fromArray(S, tile, t2 + 8);
            c30 = FloatVector.fromArray(S, tile, t3);
            c31 = FloatVector.fromArray(S, tile, t3 + 8);
            c40 = FloatVector.fromArray(S, tile, t4);
            c41 = FloatVector.fromArray(S, tile, t4 + 8);
            c50 = FloatVector.fromArray(S, tile, t5);
            c51 = FloatVector.fromArray(S, tile, t5 + 8);
            if (columnScale != null) {
                FloatVector s0 = FloatVector.fromArray(S, columnScale, so);
                FloatVector s1 = FloatVector.fromArray(S, columnScale, so + 8);
                c00 = c00.mul(s0);
                c01 = c01.mul(s1);
                c10 = c10.mul(s0);
                c11 = c11.mul(s1);
                c20 = c20.mul(s0);
                c21 = c21.mul(s1);
                c30 = c30.mul(s0);
                c31 = c31.mul(s1);
                c40 = c40.mul(s0);
                c41 = c41.mul(s1);
                c50 = c50.mul(s0);
                c51 = c51.mul(s1);
            }
        }
        int end = bo + depth * MicroKernel.COLUMNS;
        for (int bp = bo, ap = ao; bp < end; bp += MicroKernel.COLUMNS,
                ap += MicroKernel.ROWS) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + 8);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(tile, t0);
        c01.intoArray(tile, t0 + 8);
        c10.intoArray(tile, t1);
        c11.intoArray(tile, t1 + 8);
        c20.intoArray(tile, t2);
        c21.intoArray(tile, t2 + 8);
        c30.intoArray(tile, t3);
        c31.intoArray(tile, t3 + 8);
        c40.intoArray(tile, t4);
        c41.intoArray(tile, t4 + 8);
        c50.intoArray(tile, t5);
        c51.intoArray(tile, t5 + 8);
    }
}
