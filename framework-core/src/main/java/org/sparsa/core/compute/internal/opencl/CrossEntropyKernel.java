package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * Cross-entropy of {@code logits [rows, vocab]} against integer targets and its logits
 * gradient. The forward has one work item per row (maximum, then the sum of exponentials in
 * ascending order); the backward one per logit. Rows whose target is the ignore index get loss
 * 0 and gradient 0; a target outside {@code 0 .. vocab - 1} (which the caller rules out) is
 * read as no target.
 */
public final class CrossEntropyKernel extends Kernel implements RangeKernel {
    private float[] logits = new float[1];
    private int[] targets = new int[1];
    private float[] loss = new float[1];
    private float[] logsumexp = new float[1];
    private float[] dlogits = new float[1];
    private int vocab;
    private int ignoreIndex;
    private float rowGrad;
    private int backward;
    private int items;
    private int first;

    /** Sets the forward as the next launches' work. */
    public void bindForward(int rows, int vocab, float[] logits, int[] targets,
            int ignoreIndex, float[] loss, float[] logsumexp) {
        this.backward = 0;
        this.items = rows;
        this.vocab = vocab;
        this.logits = logits;
        this.targets = targets;
        this.ignoreIndex = ignoreIndex;
        this.loss = loss;
        this.logsumexp = logsumexp;
    }

    /** Sets the backward as the next launches' work. */
    public void bindBackward(int rows, int vocab, float[] logits, int[] targets,
            int ignoreIndex, float[] logsumexp, float rowGrad, float[] dlogits) {
        this.backward = 1;
        this.items = rows * vocab;
        this.vocab = vocab;
        this.logits = logits;
        this.targets = targets;
        this.ignoreIndex = ignoreIndex;
        this.logsumexp = logsumexp;
        this.rowGrad = rowGrad;
        this.dlogits = dlogits;
    }

    @Override
    public void offset(int first) {
        this.first = first;
    }

    @Override
    public void run() {
        int id = first + getGlobalId();
        if (id < items) {
            if (backward == 0) {
                forward(id);
            } else {
                int row = id / vocab;
                int j = id - row * vocab;
                int target = targets[row];
                float gradient = 0f;
                if (target != ignoreIndex) {
                    float p = exp(logits[id] - logsumexp[row]);
                    if (j == target) {
                        p = p - 1f;
                    }
                    gradient = rowGrad * p;
                }
                dlogits[id] = gradient;
            }
        }
    }

    private void forward(int row) {
        int base = row * vocab;
        float max = logits[base];
        for (int j = 1; j < vocab; j++) {
            float v = logits[base + j];
            if (v > max) {
                max = v;
            }
        }
        float sum = 0f;
        for (int j = 0; j < vocab; j++) {
            sum = sum + exp(logits[base + j] - max);
        }
        float lse = max + log(sum);
        logsumexp[row] = lse;
        int target = targets[row];
        float value = 0f;
        if (target != ignoreIndex) {
            if (target >= 0 && target < vocab) {
                value = lse - logits[base + target];
            }
        }
        loss[row] = value;
    }
}
