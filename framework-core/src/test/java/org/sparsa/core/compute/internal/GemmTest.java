package org.sparsa.core.compute.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sparsa.core.compute.internal.TestArrays.assertClose;
import static org.sparsa.core.compute.internal.TestArrays.assertSameBits;
import static org.sparsa.core.compute.internal.TestArrays.uniform;

import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sparsa.core.compute.MatmulShape;

/**
 * The blocked product against a float64 product, against the plain {@code i-k-j} float loop
 * (bit for bit), and on one thread against several (bit for bit). Sizes straddle the blocking
 * constants and the small-size cut-off.
 */
class GemmTest {
    private static ForkJoinPool one;
    private static ForkJoinPool many;

    @BeforeAll
    static void startPools() {
        one = new ForkJoinPool(1);
        many = new ForkJoinPool(4);
    }

    @AfterAll
    static void stopPools() {
        one.shutdownNow();
        many.shutdownNow();
    }

    @ParameterizedTest(name = "batch={0} m={1} n={2} k={3} tA={4} tB={5} aStride={6} bStride={7}")
    @CsvSource({
        // Below the small-size cut-off.
        "1, 5, 6, 7, false, false, 1, 1",
        "3, 9, 4, 11, true, true, 0, 1",
        // A few rows (no packing), one column, odd everything.
        "1, 1, 300, 129, false, false, 1, 1",
        "3, 2, 1500, 77, false, true, 1, 1",
        "2, 4, 1030, 65, true, false, 0, 1",
        "2, 3, 2100, 33, true, true, 1, 0",
        // A linear layer decoding one token: dot products of rows, columns left over.
        "1, 1, 768, 256, false, true, 1, 0",
        "2, 4, 67, 130, false, true, 1, 1",
        "1, 300, 1, 129, true, false, 1, 1",
        "2, 67, 259, 131, false, false, 1, 1",
        "2, 67, 259, 131, true, false, 1, 1",
        "2, 67, 259, 131, false, true, 1, 1",
        "2, 67, 259, 131, true, true, 1, 1",
        // k % 4 = 1, 2, 3 tails after a full slice of KC.
        "1, 64, 64, 129, false, false, 1, 1",
        "1, 65, 63, 130, true, true, 1, 1",
        "1, 33, 100, 131, false, true, 1, 1",
        // Exactly the blocking sizes, and just past them.
        "1, 64, 256, 128, false, false, 1, 1",
        "1, 128, 512, 256, false, false, 1, 1",
        "1, 129, 513, 257, true, false, 1, 1",
        // Shared matrices and batches whose packing is split into groups.
        "4, 40, 300, 70, false, false, 0, 1",
        "4, 40, 300, 70, false, true, 1, 0",
        "5, 31, 33, 35, true, true, 0, 0",
        "3, 300, 700, 20, false, false, 1, 1",
        "2, 3, 1100, 2048, false, true, 1, 1",
    })
    void agreesWithDoubleAndBitForBitWithThePlainLoop(int batch, int m, int n, int k,
            boolean transposeA, boolean transposeB, int aShared, int bShared) {
        SplittableRandom random = new SplittableRandom(m * 1_000_003L + n * 1009L + k);
        int aStride = aShared == 0 ? 0 : m * k;
        int bStride = bShared == 0 ? 0 : k * n;
        float[] a = uniform(random, Math.max(m * k, batch * aStride), 1);
        float[] b = uniform(random, Math.max(k * n, batch * bStride), 1);
        MatmulShape shape = new MatmulShape(batch, m, n, k, transposeA, transposeB, aStride,
                bStride);

        float[] single = new float[batch * m * n];
        float[] multi = new float[batch * m * n];
        Arrays.fill(single, Float.NaN);
        Arrays.fill(multi, Float.NaN);
        new Gemm(new Parallel(one)).multiply(shape, a, b, single);
        Gemm poisoned = new Gemm(new Parallel(many));
        lendNaNs(poisoned.scratch());
        poisoned.multiply(shape, a, b, multi);

        assertClose("c", JavaBackendTest.matmul(shape, a, b), multi, 2e-6 * k + 1e-6, 1e-5);
        assertSameBits("1 vs 4 threads", single, multi);
        float[] plain = new float[batch * m * n];
        for (int i = 0; i < batch; i++) {
            Gemm.plain(shape, a, i * aStride, b, i * bStride, plain, i * m * n);
        }
        assertSameBits("blocked vs plain loop", plain, multi);
    }

    @Test
    void squareProductsPastTheGrain() {
        for (int size : new int[] {255, 512}) {
            SplittableRandom random = new SplittableRandom(size);
            float[] a = uniform(random, size * size, 1);
            float[] b = uniform(random, size * size, 1);
            MatmulShape shape = MatmulShape.of(size, size, size);
            float[] single = new float[size * size];
            float[] multi = new float[size * size];
            new Gemm(new Parallel(one)).multiply(shape, a, b, single);
            new Gemm(new Parallel(many)).multiply(shape, a, b, multi);
            assertSameBits("1 vs 4 threads at " + size, single, multi);
            float[] plain = new float[size * size];
            Gemm.plain(shape, a, 0, b, 0, plain, 0);
            assertSameBits("blocked vs plain at " + size, plain, multi);
        }
    }

    @Test
    void zeroDepthGivesZeros() {
        float[] c = {1, 2, 3, 4, 5, 6};
        new Gemm(new Parallel(many)).multiply(new MatmulShape(1, 2, 3, 0, false, false, 0, 0),
                new float[0], new float[0], c);
        assertSameBits("c", new float[6], c);
    }

    @Test
    void rejectsATooSmallOutput() {
        assertThrows(IllegalArgumentException.class, () -> new Gemm(new Parallel(many))
                .multiply(MatmulShape.of(2, 2, 2), new float[4], new float[4], new float[3]));
    }

    @Test
    void repeatedProductsReuseTheirScratchArrays() {
        SplittableRandom random = new SplittableRandom(3);
        MatmulShape shape = new MatmulShape(1, 200, 300, 100, false, true, 0, 0);
        float[] a = uniform(random, 200 * 100, 1);
        float[] b = uniform(random, 300 * 100, 1);
        Gemm gemm = new Gemm(new Parallel(many));
        gemm.multiply(shape, a, b, new float[200 * 300]);
        Set<float[]> first = identities(gemm.scratch().keptArrays());
        assertFalse(first.isEmpty());
        float[] again = new float[200 * 300];
        gemm.multiply(shape, a, b, again);
        // Every array lent the second time came from the first product's leftovers.
        assertEquals(first, identities(gemm.scratch().keptArrays()));
        float[] plain = new float[200 * 300];
        Gemm.plain(shape, a, 0, b, 0, plain, 0);
        assertSameBits("second product", plain, again);
    }

    @Test
    void scratchKeepsAtMostItsLimit() {
        ScratchArrays scratch = new ScratchArrays();
        int quarter = (int) (ScratchArrays.KEPT_BYTES / Float.BYTES / 4);
        for (int i = 0; i < 6; i++) {
            scratch.giveBack(new float[quarter]);
        }
        assertEquals(4, scratch.keptArrays().size());
        scratch.giveBack(new float[5 * quarter]);
        assertEquals(4, scratch.keptArrays().size());
        assertEquals(quarter, scratch.borrow(10).length);
        assertEquals(2 * quarter, scratch.borrow(2 * quarter).length);
    }

    /** Arrays of NaNs of many sizes, so that a kernel reading scratch it did not write fails. */
    private static void lendNaNs(ScratchArrays scratch) {
        for (int size = 16; size <= 1 << 20; size *= 4) {
            float[] array = new float[size + 3];
            Arrays.fill(array, Float.NaN);
            scratch.giveBack(array);
        }
    }

    private static Set<float[]> identities(List<float[]> arrays) {
        Set<float[]> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(arrays);
        return set;
    }
}
