package org.sparsa.dsa.internal;

/**
 * The forward of the indexer loss on an OpenCL device, one work item per query row {@code t}:
 * the log-sum-exp of each teacher head's scaled logits and of the index scores over the row's
 * keys, each an online softmax (running maximum, double sum rescaled when a larger logit
 * arrives), then the row's {@code KL = sum_s p (log p - (I - lse_I))} from the stored
 * statistics, with {@code 0 log 0 = 0}. The item writes only row t of teacherLse, studentLse
 * and kl; every row has at least one key, itself.
 */
public final class IndexerStatisticsKernel extends IndexerScoreKernel {
    private float[] kl = new float[1];

    /**
     * Sets the sequence of the next execute: inputs in, and the outputs teacherLse
     * {@code [T, Hq]}, studentLse and kl {@code [T]}.
     */
    public void bind(IndexerKernel.Sizes sizes, IndexerKernel.Inputs in, int[] selected,
            float[] teacherLse, float[] studentLse, float[] kl) {
        bindSequence(sizes, in, selected, teacherLse, studentLse, 0f);
        this.kl = kl;
    }

    @Override
    public void run() {
        int t = getGlobalId();
        if (t < length) {
            int slots = keySlots(t);
            for (int h = 0; h < queryHeads; h++) {
                double largest = 0.0;
                double total = 0.0;
                for (int c = 0; c < slots; c++) {
                    int s = keyOf(t, c);
                    if (s >= 0) {
                        double x = teacherLogit(t, h, s);
                        if (c == 0) {
                            largest = x;
                        }
                        if (x > largest) {
                            // Earlier terms were weighted against a smaller maximum.
                            total = total * exp(largest - x);
                            largest = x;
                        }
                        total = total + exp(x - largest);
                    }
                }
                teacherLse[t * queryHeads + h] = (float) (largest + log(total));
            }
            double largest = 0.0;
            double total = 0.0;
            for (int c = 0; c < slots; c++) {
                int s = keyOf(t, c);
                if (s >= 0) {
                    double x = studentScore(t, s);
                    if (c == 0) {
                        largest = x;
                    }
                    if (x > largest) {
                        total = total * exp(largest - x);
                        largest = x;
                    }
                    total = total + exp(x - largest);
                }
            }
            studentLse[t] = (float) (largest + log(total));
            double sum = 0.0;
            for (int c = 0; c < slots; c++) {
                int s = keyOf(t, c);
                if (s >= 0) {
                    double p = teacherProbability(t, s);
                    if (p > 0.0) {
                        sum = sum + p * (log(p) - (double) (studentScore(t, s) - studentLse[t]));
                    }
                }
            }
            kl[t] = (float) sum;
        }
    }
}
