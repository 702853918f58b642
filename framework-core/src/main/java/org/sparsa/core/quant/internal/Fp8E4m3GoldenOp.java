package org.sparsa.core.quant.internal;

import java.util.EnumSet;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.quant.Fp8E4m3;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * {@code quant.fp8_e4m3}: x [R, N] with config {@code group} and {@code pow2_scale} gives the
 * dequantised y and the scales [R, N / group]. Only a Java path exists; quantisation is cheap
 * next to the matmuls it feeds.
 */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=quant.fp8_e4m3")
public final class Fp8E4m3GoldenOp implements GoldenOp {

    @Override
    public Set<BackendKind> backends() {
        return EnumSet.of(BackendKind.JAVA);
    }

    @Override
    public GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend) {
        int[] shape = goldenCase.shape("in.x");
        if (shape.length != 2) {
            throw new IllegalArgumentException("quant.fp8_e4m3: in.x must be [rows, columns], "
                    + "found rank " + shape.length);
        }
        int rows = shape[0];
        int columns = shape[1];
        Object group = goldenCase.config().get("group");
        if (!(group instanceof Integer groupSize)) {
            throw new IllegalArgumentException("quant.fp8_e4m3: config 'group' must be an "
                    + "integer, found " + group);
        }
        boolean powerOfTwo = Boolean.TRUE.equals(goldenCase.config().get("pow2_scale"));
        float[] y = new float[rows * columns];
        float[] scales = new float[rows * (columns / Math.max(groupSize, 1))];
        Fp8E4m3.quantizeDequantize(goldenCase.floats("in.x"), rows, columns, groupSize,
                powerOfTwo, y, scales);
        return new GoldenOutputs().put("out.y", y).put("out.scale", scales);
    }
}
