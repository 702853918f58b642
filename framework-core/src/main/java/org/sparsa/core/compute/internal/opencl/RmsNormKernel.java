package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * RMSNorm over the rows of a {@code [rows, columns]} matrix and its gradients, in three passes:
 * the forward and {@code dx} with one work item per row, {@code dg} with one work item per
 * column adding the rows in ascending order. Every sum runs in ascending index order.
 */
public final class RmsNormKernel extends Kernel implements RangeKernel {
    /** {@code y} and {@code inverseRms}, one item per row. */
    public static final int FORWARD = 0;
    /** {@code dx}, one item per row. */
    public static final int INPUT_GRADIENT = 1;
    /** {@code dg}, one item per column. */
    public static final int WEIGHT_GRADIENT = 2;

    private float[] x = new float[1];
    private float[] g = new float[1];
    private float[] y = new float[1];
    private float[] inverseRms = new float[1];
    private float[] dy = new float[1];
    private float[] dx = new float[1];
    private float[] dg = new float[1];
    private int rows;
    private int columns;
    private float eps;
    private int pass;
    private int items;
    private int first;

    /** Sets the forward as the next launches' work. */
    public void bindForward(int rows, int columns, float[] x, float[] g, float eps, float[] y,
            float[] inverseRms) {
        set(FORWARD, rows, columns, rows);
        this.x = x;
        this.g = g;
        this.eps = eps;
        this.y = y;
        this.inverseRms = inverseRms;
    }

    /**
     * Sets a backward pass ({@link #INPUT_GRADIENT} or {@link #WEIGHT_GRADIENT}) as the next
     * launches' work.
     */
    public void bindBackward(int pass, int rows, int columns, float[] x, float[] g,
            float[] inverseRms, float[] dy, float[] dx, float[] dg) {
        set(pass, rows, columns, pass == INPUT_GRADIENT ? rows : columns);
        this.x = x;
        this.g = g;
        this.inverseRms = inverseRms;
        this.dy = dy;
        this.dx = dx;
        this.dg = dg;
    }

    private void set(int pass, int rows, int columns, int items) {
        this.pass = pass;
        this.rows = rows;
        this.columns = columns;
        this.items = items;
    }

    @Override
    public void offset(int first) {
        this.first = first;
    }

    @Override
    public void run() {
        int id = first + getGlobalId();
        if (id < items) {
            if (pass == FORWARD) {
                forward(id);
            } else if (pass == INPUT_GRADIENT) {
                inputGradient(id);
            } else {
                weightGradient(id);
            }
        }
    }

    private void forward(int row) {
        int base = row * columns;
        float squares = 0f;
        for (int c = 0; c < columns; c++) {
            float v = x[base + c];
            squares = squares + v * v;
        }
        float r = 1f / sqrt(squares / columns + eps);
        inverseRms[row] = r;
        for (int c = 0; c < columns; c++) {
            y[base + c] = x[base + c] * r * g[c];
        }
    }

    private void inputGradient(int row) {
        int base = row * columns;
        float r = inverseRms[row];
        float dot = 0f;
        for (int c = 0; c < columns; c++) {
            dot = dot + dy[base + c] * g[c] * x[base + c];
        }
        float correction = r * r * r * dot / columns;
        for (int c = 0; c < columns; c++) {
            dx[base + c] = r * g[c] * dy[base + c] - x[base + c] * correction;
        }
    }

    private void weightGradient(int column) {
        float sum = 0f;
        for (int row = 0; row < rows; row++) {
            int at = row * columns + column;
            sum = sum + dy[at] * x[at] * inverseRms[row];
        }
        dg[column] = sum;
    }
}
