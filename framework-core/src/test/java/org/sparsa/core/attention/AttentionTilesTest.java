package org.sparsa.core.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.sparsa.core.compute.internal.TestArrays.assertSameBits;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The packed products against the plain loops whose bits they promise: a score is the fused
 * multiply-add chain over the dimension from zero, an output element the chain over the keys
 * in ascending order from the value already there.
 */
class AttentionTilesTest {
    private static final int STRIP = AttentionTiles.VECTORS_PER_STRIP;

    @ParameterizedTest(name = "N={0} H={1} D={2} vectors={3} keys [{4}, {5})")
    @CsvSource({"40, 2, 64, 16, 12, 37", "13, 1, 5, 3, 0, 13", "100, 3, 20, 37, 48, 100",
        "7, 2, 8, 1, 6, 7"})
    void scoresAreThePlainChainsOverTheDimension(int length, int heads, int dim, int vectors,
            int from, int to) {
        SplittableRandom random = new SplittableRandom(length + dim);
        float[] k = values(random, length * heads * dim);
        float[] q = values(random, vectors * dim);
        int stride = AttentionTiles.roundUp(vectors, STRIP);
        float[] queries = new float[stride * dim];
        for (int i = 0; i < vectors; i++) {
            AttentionTiles.packVector(q, i * dim, 0.5f, dim, queries, i);
        }
        float[] keys = AttentionTiles.packKeys(k, length, heads, dim);
        for (int h = 0; h < heads; h++) {
            float[] scores = new float[AttentionTiles.roundUp(to - from, 6) * stride];
            AttentionTiles.scores(keys, length, h, dim, from, to, queries, stride / STRIP,
                    scores, stride);
            float[] want = new float[(to - from) * vectors];
            float[] got = new float[want.length];
            for (int s = from; s < to; s++) {
                for (int i = 0; i < vectors; i++) {
                    float sum = 0f;
                    for (int d = 0; d < dim; d++) {
                        sum = Math.fma(q[i * dim + d] * 0.5f, k[(s * heads + h) * dim + d], sum);
                    }
                    want[(s - from) * vectors + i] = sum;
                    got[(s - from) * vectors + i] = scores[(s - from) * stride + i];
                }
            }
            assertSameBits("scores of head " + h, want, got);
        }
    }

    @ParameterizedTest(name = "N={0} H={1} D={2} vectors={3} keys [{4}, {5})")
    @CsvSource({"40, 2, 64, 16, 12, 37", "13, 1, 5, 3, 0, 13", "100, 3, 20, 37, 49, 100",
        "7, 2, 8, 1, 6, 7"})
    void outputsAreThePlainChainsOverTheKeys(int length, int heads, int dim, int vectors,
            int from, int to) {
        SplittableRandom random = new SplittableRandom(7 * length + dim);
        float[] v = values(random, length * heads * dim);
        int stride = AttentionTiles.roundUp(vectors, STRIP);
        int depth = to - from;
        float[] p = values(random, depth * vectors);
        float[] probabilities = new float[depth * stride];
        for (int s = 0; s < depth; s++) {
            for (int i = 0; i < vectors; i++) {
                probabilities[(i / STRIP * depth + s) * STRIP + i % STRIP] = p[s * vectors + i];
            }
        }
        float[] start = values(random, dim * vectors);
        float[] values = AttentionTiles.packValues(v, length, heads, dim);
        for (int h = 0; h < heads; h++) {
            float[] acc = new float[AttentionTiles.roundUp(dim, 6) * stride];
            for (int d = 0; d < dim; d++) {
                System.arraycopy(start, d * vectors, acc, d * stride, vectors);
            }
            AttentionTiles.accumulate(values, length, h, dim, from, to, probabilities,
                    stride / STRIP, acc, stride, false);
            float[] want = new float[dim * vectors];
            float[] got = new float[want.length];
            for (int d = 0; d < dim; d++) {
                for (int i = 0; i < vectors; i++) {
                    float sum = start[d * vectors + i];
                    for (int s = from; s < to; s++) {
                        sum = Math.fma(v[(s * heads + h) * dim + d], p[(s - from) * vectors + i],
                                sum);
                    }
                    want[d * vectors + i] = sum;
                    got[d * vectors + i] = acc[d * stride + i];
                }
            }
            assertSameBits("outputs of head " + h, want, got);
        }
    }

    @ParameterizedTest(name = "rows={0} columns={1} depth={2}")
    @CsvSource({"6, 16, 1", "13, 20, 37", "96, 64, 64"})
    void theGeneralProductIsThePlainChainOverTheDepth(int rows, int columns, int depth) {
        SplittableRandom random = new SplittableRandom(rows * columns + depth);
        float[] a = values(random, rows * depth);
        float[] b = values(random, depth * columns);
        int rowStrips = (rows + 5) / 6;
        int columnStrips = (columns + STRIP - 1) / STRIP;
        float[] packedA = new float[rowStrips * depth * 6];
        float[] packedB = new float[columnStrips * depth * STRIP];
        for (int p = 0; p < depth; p++) {
            for (int i = 0; i < rows; i++) {
                packedA[(i / 6 * depth + p) * 6 + i % 6] = a[i * depth + p];
            }
            for (int j = 0; j < columns; j++) {
                packedB[(j / STRIP * depth + p) * STRIP + j % STRIP] = b[p * columns + j];
            }
        }
        int stride = columnStrips * STRIP;
        float[] c = new float[rowStrips * 6 * stride];
        AttentionTiles.multiplyAdd(packedA, rowStrips, packedB, columnStrips, depth, c, stride);
        float[] want = new float[rows * columns];
        float[] got = new float[want.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                float sum = 0f;
                for (int p = 0; p < depth; p++) {
                    sum = Math.fma(a[i * depth + p], b[p * columns + j], sum);
                }
                want[i * columns + j] = sum;
                got[i * columns + j] = c[i * stride + j];
            }
        }
        assertSameBits("product", want, got);
    }

    @ParameterizedTest(name = "from={0}")
    @CsvSource({"1", "5", "7"})
    void scoresRefuseAFirstKeyInsideAStrip(int from) {
        float[] keys = AttentionTiles.packKeys(new float[12 * 4], 12, 1, 4);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> AttentionTiles.scores(keys, 12, 0, 4, from, 12, new float[16 * 4], 1,
                        new float[18 * 16], 16));
        assertEquals("attention tiles: the first key must start a strip of 6, found " + from,
                error.getMessage());
    }

    private static float[] values(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
