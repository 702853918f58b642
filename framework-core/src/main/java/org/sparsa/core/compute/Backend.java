package org.sparsa.core.compute;

import org.sparsa.api.compute.BackendKind;

/**
 * The kernels the autograd ops run on, over contiguous row-major float arrays. Two
 * implementations exist: {@code java} (multi-threaded loops on the host) and {@code opencl}
 * (Aparapi kernels). Every output array is written in full; inputs are never changed. Every
 * reduction adds in a fixed order that does not depend on the number of threads or work items,
 * so a backend gives bit-identical results for identical inputs; the two backends agree within
 * float32 rounding. Fused ops (full attention) pick their kernels by {@link BackendKind} instead,
 * as plugins' fused functions do.
 */
public interface Backend extends AutoCloseable {

    /** Which backend this is ({@code JAVA} or {@code OPENCL}). */
    BackendKind kind();

    /** The device it runs on, for logs ({@code "java, 2 threads"}). */
    String description();

    /** {@code c[i] = op(a[i]) x op(b[i])} for every {@code i < shape.batch()}. */
    void matmul(MatmulShape shape, float[] a, float[] b, float[] c);

    /** {@code y = f(x)} element-wise. */
    void map(UnaryFunction f, float[] x, float[] y);

    /** {@code dx = dy * f'(x)} element-wise, given {@code y = f(x)} from the forward pass. */
    void mapBackward(UnaryFunction f, float[] x, float[] y, float[] dy, float[] dx);

    /**
     * {@code y = silu(gate) * up} element-wise, rounded as {@link #map} {@code SILU} followed by
     * {@link #binary} {@code MUL}, so that the fused op and the two-op chain agree bit for bit.
     */
    void swiglu(float[] gate, float[] up, float[] y);

    /**
     * The gradients of {@link #swiglu}: {@code dUp = dy * silu(gate)} and
     * {@code dGate = (dy * up) * silu'(gate)}, rounded as the two-op chain's backward;
     * either output may be null when that gradient is not needed.
     */
    void swigluBackward(float[] gate, float[] up, float[] dy, float[] dGate, float[] dUp);

    /**
     * {@code out = f(a, b)} element-wise with NumPy broadcasting: {@code aShape} and
     * {@code bShape} have the rank of {@code outShape} (size-1 axes repeat).
     */
    void binary(BinaryFunction f, float[] a, int[] aShape, float[] b, int[] bShape, float[] out,
            int[] outShape);

    /** {@code y = x * factor}. */
    void scale(float[] x, float factor, float[] y);

    /**
     * {@code y[o, i] = sum over j of x[o, j, i]} with {@code x} laid out as {@code layout},
     * adding {@code j} in ascending order.
     */
    void sumAxis(AxisLayout layout, float[] x, float[] y);

    /**
     * {@code y[o, j, i] = x[o, i]}: repeats {@code x} along the axis {@code layout} describes
     * (the backward of {@link #sumAxis}).
     */
    void expandAxis(AxisLayout layout, float[] x, float[] y);

    /** Softmax (or log-softmax) of {@code x} along the axis {@code layout} describes. */
    void softmax(AxisLayout layout, float[] x, float[] y, boolean log);

    /**
     * The input gradient of {@link #softmax} from its output {@code y} and output gradient
     * {@code dy}: {@code y * (dy - sum(dy * y))}, or {@code dy - e^y * sum(dy)} for log-softmax.
     */
    void softmaxBackward(AxisLayout layout, float[] y, float[] dy, float[] dx, boolean log);

    /** {@code y} = {@code x} of shape {@code shape} with its axes reordered by {@code order}. */
    void permute(float[] x, int[] shape, int[] order, float[] y);

    /**
     * Copies {@code x [outer, from.length, inner]} positions {@code start .. start + count} along
     * the axis into {@code y [outer, count, inner]}.
     */
    void slice(AxisLayout from, float[] x, int start, int count, float[] y);

    /**
     * Writes {@code part [outer, part.length, inner]} into {@code y [outer, into.length, inner]}
     * at positions {@code start ..} along the axis; the rest of {@code y} is left as it is.
     */
    void place(AxisLayout part, float[] x, AxisLayout into, int start, float[] y);

    /**
     * {@code y[o, j, i] = x[o, index[o, j, i], i]} for {@code x} laid out as {@code from} and
     * {@code index}, {@code y} as {@code from.withLength(indexLength)}. Indices are checked by the
     * caller.
     */
    void gather(AxisLayout from, float[] x, int indexLength, int[] index, float[] y);

    /**
     * {@code y[o, index[o, j, i], i] += source[o, j, i]} with {@code y} laid out as {@code into}
     * and {@code source} as {@code into.withLength(indexLength)}; for each {@code (o, i)} the
     * additions happen in ascending {@code j}.
     */
    void scatterAdd(AxisLayout into, float[] y, int indexLength, int[] index, float[] source);

    /**
     * {@code y[o, j, i] = x[o, indices[j], i]}: whole slices along the axis of {@code from}, in
     * the order of {@code indices}.
     */
    void indexSelect(AxisLayout from, float[] x, int[] indices, float[] y);

    /**
     * {@code y[o, indices[j], i] += source[o, j, i]} (the backward of {@link #indexSelect}),
     * adding in ascending {@code j} for each target slice.
     */
    void indexAdd(AxisLayout into, float[] y, int[] indices, float[] source);

    /**
     * {@code y = x}, except {@code value} wherever {@code mask} (shape {@code maskShape}, of the
     * rank of {@code shape}, broadcast) is non-zero.
     */
    void maskedFill(float[] x, int[] shape, int[] mask, int[] maskShape, float value, float[] y);

    /**
     * RMSNorm over rows of {@code columns}: {@code y = x * r * g} where
     * {@code r = 1 / sqrt(mean(x^2) + eps)} is written to {@code inverseRms[row]}.
     */
    void rmsNorm(int rows, int columns, float[] x, float[] g, float eps, float[] y,
            float[] inverseRms);

    /**
     * The gradients of {@link #rmsNorm}: {@code dx}, and {@code dg} summed over rows in
     * ascending order.
     */
    void rmsNormBackward(int rows, int columns, float[] x, float[] g, float[] inverseRms,
            float[] dy, float[] dx, float[] dg);

    /**
     * LayerNorm over rows: {@code y = (x - mean) * r * g + b} with {@code r = 1 / sqrt(var + eps)}
     * (biased variance); {@code b} may be null; {@code mean} and {@code inverseStd} receive the
     * per-row statistics.
     */
    void layerNorm(int rows, int columns, float[] x, float[] g, float[] b, float eps, float[] y,
            float[] mean, float[] inverseStd);

    /**
     * The gradients of {@link #layerNorm}: {@code dx}, {@code dg} and {@code db} (null when there
     * is no bias), the last two summed over rows in ascending order.
     */
    void layerNormBackward(int rows, int columns, float[] x, float[] g, float[] mean,
            float[] inverseStd, float[] dy, float[] dx, float[] dg, float[] db);

    /**
     * NeoX rotate-half RoPE on {@code x [outer, time, inner, dim]} ({@code inner} being the
     * product of the axes between time and the last): for {@code i < rotary/2} the pair
     * {@code (x_i, x_{i + rotary/2})} turns by {@code positions[t] * theta^(-2i / rotary)};
     * entries past {@code rotary} are copied. {@code inverse} turns the other way (the backward).
     */
    void rope(int outer, int time, int inner, int dim, float[] x, int[] positions, int rotary,
            double theta, boolean inverse, float[] y);

    /**
     * Cross-entropy of {@code logits [rows, vocab]} against {@code targets}: writes
     * {@code loss[row] = logsumexp(row) - row[target]} and {@code logsumexp[row]}; rows whose
     * target equals {@code ignoreIndex} get loss 0.
     */
    void crossEntropy(int rows, int vocab, float[] logits, int[] targets, int ignoreIndex,
            float[] loss, float[] logsumexp);

    /**
     * The logits gradient of {@link #crossEntropy}: {@code rowGrad * (softmax(row) - onehot)}
     * for each row, 0 for ignored rows.
     */
    void crossEntropyBackward(int rows, int vocab, float[] logits, int[] targets,
            int ignoreIndex, float[] logsumexp, float rowGrad, float[] dlogits);

    /**
     * Simulated FP8 e4m3 quantise-dequantise per row and group (see
     * {@link org.sparsa.core.quant.Fp8E4m3#quantizeDequantize}).
     */
    void fp8E4m3(int rows, int columns, int group, boolean powerOfTwo, float[] x, float[] y,
            float[] scales);

    /** Releases device resources; the Java backend's pool is shared and stays. */
    @Override
    void close();
}
