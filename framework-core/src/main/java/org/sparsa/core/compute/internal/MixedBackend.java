package org.sparsa.core.compute.internal;

import java.util.Locale;
import java.util.Objects;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.BinaryFunction;
import org.sparsa.core.compute.MatmulShape;
import org.sparsa.core.compute.UnaryFunction;

/**
 * A backend that runs each op family on the backend measured fastest for it (a
 * {@link org.sparsa.core.compute.Calibration}): matrix products on one, every other kernel on
 * another, while fused attention, which picks its kernels by {@link #kind()}, follows a third
 * choice. Both backends work on host arrays, so an op's result does not depend on where the
 * previous op ran, and each op keeps its backend's determinism: the same choices give
 * bit-identical runs.
 */
public final class MixedBackend implements Backend {
    private final Backend matmul;
    private final Backend elementwise;
    private final BackendKind attention;

    /**
     * @param matmul runs {@link #matmul}
     * @param elementwise runs every other op
     * @param attention what {@link #kind()} reports, so that fused attention follows it
     */
    public MixedBackend(Backend matmul, Backend elementwise, BackendKind attention) {
        this.matmul = Objects.requireNonNull(matmul, "matmul");
        this.elementwise = Objects.requireNonNull(elementwise, "elementwise");
        this.attention = Objects.requireNonNull(attention, "attention");
        if (attention == BackendKind.AUTO) {
            throw new IllegalArgumentException("mixed backend: attention must run on JAVA or "
                    + "OPENCL, not AUTO");
        }
    }

    @Override
    public BackendKind kind() {
        return attention;
    }

    @Override
    public String description() {
        return "mixed: matmul on " + matmul.description() + "; other ops on "
                + elementwise.description() + "; attention on "
                + attention.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public void matmul(MatmulShape shape, float[] a, float[] b, float[] c) {
        matmul.matmul(shape, a, b, c);
    }

    @Override
    public void map(UnaryFunction f, float[] x, float[] y) {
        elementwise.map(f, x, y);
    }

    @Override
    public void mapBackward(UnaryFunction f, float[] x, float[] y, float[] dy, float[] dx) {
        elementwise.mapBackward(f, x, y, dy, dx);
    }

    @Override
    public void swiglu(float[] gate, float[] up, float[] y) {
        elementwise.swiglu(gate, up, y);
    }

    @Override
    public void swigluBackward(float[] gate, float[] up, float[] dy, float[] dGate,
            float[] dUp) {
        elementwise.swigluBackward(gate, up, dy, dGate, dUp);
    }

    @Override
    public void binary(BinaryFunction f, float[] a, int[] aShape, float[] b, int[] bShape,
            float[] out, int[] outShape) {
        elementwise.binary(f, a, aShape, b, bShape, out, outShape);
    }

    @Override
    public void scale(float[] x, float factor, float[] y) {
        elementwise.scale(x, factor, y);
    }

    @Override
    public void sumAxis(AxisLayout layout, float[] x, float[] y) {
        elementwise.sumAxis(layout, x, y);
    }

    @Override
    public void expandAxis(AxisLayout layout, float[] x, float[] y) {
        elementwise.expandAxis(layout, x, y);
    }

    @Override
    public void softmax(AxisLayout layout, float[] x, float[] y, boolean log) {
        elementwise.softmax(layout, x, y, log);
    }

    @Override
    public void softmaxBackward(AxisLayout layout, float[] y, float[] dy, float[] dx, boolean log) {
        elementwise.softmaxBackward(layout, y, dy, dx, log);
    }

    @Override
    public void permute(float[] x, int[] shape, int[] order, float[] y) {
        elementwise.permute(x, shape, order, y);
    }

    @Override
    public void slice(AxisLayout from, float[] x, int start, int count, float[] y) {
        elementwise.slice(from, x, start, count, y);
    }

    @Override
    public void place(AxisLayout part, float[] x, AxisLayout into, int start, float[] y) {
        elementwise.place(part, x, into, start, y);
    }

    @Override
    public void gather(AxisLayout from, float[] x, int indexLength, int[] index, float[] y) {
        elementwise.gather(from, x, indexLength, index, y);
    }

    @Override
    public void scatterAdd(AxisLayout into, float[] y, int indexLength, int[] index,
            float[] source) {
        elementwise.scatterAdd(into, y, indexLength, index, source);
    }

    @Override
    public void indexSelect(AxisLayout from, float[] x, int[] indices, float[] y) {
        elementwise.indexSelect(from, x, indices, y);
    }

    @Override
    public void indexAdd(AxisLayout into, float[] y, int[] indices, float[] source) {
        elementwise.indexAdd(into, y, indices, source);
    }

    @Override
    public void maskedFill(float[] x, int[] shape, int[] mask, int[] maskShape, float value,
            float[] y) {
        elementwise.maskedFill(x, shape, mask, maskShape, value, y);
    }

    @Override
    public void rmsNorm(int rows, int columns, float[] x, float[] g, float eps, float[] y,
            float[] inverseRms) {
        elementwise.rmsNorm(rows, columns, x, g, eps, y, inverseRms);
    }

    @Override
    public void rmsNormBackward(int rows, int columns, float[] x, float[] g, float[] inverseRms,
            float[] dy, float[] dx, float[] dg) {
        elementwise.rmsNormBackward(rows, columns, x, g, inverseRms, dy, dx, dg);
    }

    @Override
    public void layerNorm(int rows, int columns, float[] x, float[] g, float[] b, float eps,
            float[] y, float[] mean, float[] inverseStd) {
        elementwise.layerNorm(rows, columns, x, g, b, eps, y, mean, inverseStd);
    }

    @Override
    public void layerNormBackward(int rows, int columns, float[] x, float[] g, float[] mean,
            float[] inverseStd, float[] dy, float[] dx, float[] dg, float[] db) {
        elementwise.layerNormBackward(rows, columns, x, g, mean, inverseStd, dy, dx, dg, db);
    }

    @Override
    public void rope(int outer, int time, int inner, int dim, float[] x, int[] positions,
            int rotary, double theta, boolean inverse, float[] y) {
        elementwise.rope(outer, time, inner, dim, x, positions, rotary, theta, inverse, y);
    }

    @Override
    public void crossEntropy(int rows, int vocab, float[] logits, int[] targets, int ignoreIndex,
            float[] loss, float[] logsumexp) {
        elementwise.crossEntropy(rows, vocab, logits, targets, ignoreIndex, loss, logsumexp);
    }

    @Override
    public void crossEntropyBackward(int rows, int vocab, float[] logits, int[] targets,
            int ignoreIndex, float[] logsumexp, float rowGrad, float[] dlogits) {
        elementwise.crossEntropyBackward(rows, vocab, logits, targets, ignoreIndex, logsumexp,
                rowGrad, dlogits);
    }

    @Override
    public void fp8E4m3(int rows, int columns, int group, boolean powerOfTwo, float[] x,
            float[] y, float[] scales) {
        elementwise.fp8E4m3(rows, columns, group, powerOfTwo, x, y, scales);
    }

    @Override
    public void close() {
        matmul.close();
        if (elementwise != matmul) {
            elementwise.close();
        }
    }
}
