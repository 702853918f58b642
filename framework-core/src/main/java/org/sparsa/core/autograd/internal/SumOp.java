package org.sparsa.core.autograd.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.compute.AxisLayout;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.tensor.DenseTensor;
import org.sparsa.core.tensor.Shapes;

/**
 * Sum and mean over a set of axes. Adjacent reduced axes are summed in one kernel pass (they
 * are contiguous in memory); the backward repeats the gradient along them.
 */
public final class SumOp {

    private SumOp() {
    }

    /**
     * The sum (or mean, when {@code mean}) of {@code x} over {@code axes}, every axis when none
     * are given.
     */
    public static Variable apply(Engine engine, Variable xv, boolean keepDims, int[] axes,
            boolean mean) {
        String op = mean ? "mean" : "sum";
        TensorVariable x = engine.unwrap(xv, op, "input");
        int[] shape = x.shapeView();
        boolean[] reduced = reducedAxes(shape.length, axes, op);
        List<int[]> runs = runs(reduced);
        Backend backend = engine.backend();

        int count = 1;
        int[] kept = shape.clone();
        for (int i = 0; i < shape.length; i++) {
            if (reduced[i]) {
                count *= shape[i];
                kept[i] = 1;
            }
        }
        float factor = mean ? 1f / count : 1f;

        // Last run first; the shape keeps reduced axes as 1 throughout so indices stay valid.
        float[] data = x.data();
        int[] current = shape.clone();
        for (int r = runs.size() - 1; r >= 0; r--) {
            int[] run = runs.get(r);
            AxisLayout layout = Broadcasting.runLayout(current, run[0], run[1]);
            float[] out = new float[layout.outer() * layout.inner()];
            backend.sumAxis(layout, data, out);
            data = out;
            for (int i = run[0]; i <= run[1]; i++) {
                current[i] = 1;
            }
        }
        if (runs.isEmpty()) {
            data = data.clone();
        }
        if (mean) {
            float[] scaled = new float[data.length];
            backend.scale(data, factor, scaled);
            data = scaled;
        }
        int[] outShape = keepDims ? kept : dropped(shape, reduced);

        Backward backward = (dy, needs) -> {
            float[] g = dy.data();
            if (mean) {
                float[] scaled = new float[g.length];
                backend.scale(g, factor, scaled);
                g = scaled;
            }
            // Undo the runs in reverse order: first run first.
            int[] from = kept.clone();
            for (int[] run : runs) {
                for (int i = run[0]; i <= run[1]; i++) {
                    from[i] = shape[i];
                }
                AxisLayout layout = Broadcasting.runLayout(from, run[0], run[1]);
                float[] out = new float[layout.size()];
                backend.expandAxis(layout, g, out);
                g = out;
            }
            return new DenseTensor[] {DenseTensor.wrap(g, shape)};
        };
        return engine.result(op, DenseTensor.wrap(data, outShape), backward, x);
    }

    private static boolean[] reducedAxes(int rank, int[] axes, String op) {
        boolean[] reduced = new boolean[rank];
        if (axes == null || axes.length == 0) {
            Arrays.fill(reduced, true);
            return reduced;
        }
        for (int axis : axes) {
            int a = Shapes.axis(axis, rank, op);
            if (reduced[a]) {
                throw new IllegalArgumentException(op + ": axis " + axis + " is given twice in "
                        + Arrays.toString(axes));
            }
            reduced[a] = true;
        }
        return reduced;
    }

    /** Maximal runs {@code [from, to]} of adjacent reduced axes, in ascending order. */
    private static List<int[]> runs(boolean[] reduced) {
        List<int[]> runs = new ArrayList<>();
        int i = 0;
        while (i < reduced.length) {
            if (!reduced[i]) {
                i++;
                continue;
            }
            int from = i;
            while (i + 1 < reduced.length && reduced[i + 1]) {
                i++;
            }
            runs.add(new int[] {from, i});
            i++;
        }
        return runs;
    }

    private static int[] dropped(int[] shape, boolean[] reduced) {
        int[] out = new int[shape.length];
        int rank = 0;
        for (int i = 0; i < shape.length; i++) {
            if (!reduced[i]) {
                out[rank++] = shape[i];
            }
        }
        return Arrays.copyOf(out, rank);
    }
}
