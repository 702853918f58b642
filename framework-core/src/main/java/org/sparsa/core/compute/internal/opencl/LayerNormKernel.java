package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * LayerNorm over the rows of a {@code [rows, columns]} matrix and its gradients: the forward
 * and {@code dx} with one work item per row, {@code dg} and {@code db} with one work item per
 * column adding the rows in ascending order. The variance is the biased one, from a second pass
 * over the row after the mean.
 */
public final class LayerNormKernel extends Kernel implements RangeKernel {
    /** {@code y}, {@code mean} and {@code inverseStd}, one item per row. */
    public static final int FORWARD = 0;
    /** {@code dx}, one item per row. */
    public static final int INPUT_GRADIENT = 1;
    /** {@code dg} (and {@code db}), one item per column. */
    public static final int WEIGHT_GRADIENT = 2;

    private float[] x = new float[1];
    private float[] g = new float[1];
    private float[] b = new float[1];
    private float[] y = new float[1];
    private float[] mean = new float[1];
    private float[] inverseStd = new float[1];
    private float[] dy = new float[1];
    private float[] dx = new float[1];
    private float[] dg = new float[1];
    private float[] db = new float[1];
    private int rows;
    private int columns;
    private int hasBias;
    private float eps;
    private int pass;
    private int items;
    private int first;

    /** Sets the forward as the next launches' work; {@code b} is ignored unless hasBias. */
    public void bindForward(int rows, int columns, float[] x, float[] g, float[] b,
            boolean hasBias, float eps, float[] y, float[] mean, float[] inverseStd) {
        set(FORWARD, rows, columns, rows, hasBias);
        this.x = x;
        this.g = g;
        this.b = b;
        this.eps = eps;
        this.y = y;
        this.mean = mean;
        this.inverseStd = inverseStd;
    }

    /**
     * Sets a backward pass ({@link #INPUT_GRADIENT} or {@link #WEIGHT_GRADIENT}) as the next
     * launches' work; {@code db} is ignored unless hasBias.
     */
    public void bindBackward(int pass, int rows, int columns, float[] x, float[] g,
            float[] mean, float[] inverseStd, float[] dy, float[] dx, float[] dg, float[] db,
            boolean hasBias) {
        set(pass, rows, columns, pass == INPUT_GRADIENT ? rows : columns, hasBias);
        this.x = x;
        this.g = g;
        this.mean = mean;
        this.inverseStd = inverseStd;
        this.dy = dy;
        this.dx = dx;
        this.dg = dg;
        this.db = db;
    }

    private void set(int pass, int rows, int columns, int items, boolean hasBias) {
        this.pass = pass;
        this.rows = rows;
        this.columns = columns;
        this.items = items;
        this.hasBias = hasBias ? 1 : 0;
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
        float sum = 0f;
        for (int c = 0; c < columns; c++) {
            sum = sum + x[base + c];
        }
        float mu = sum / columns;
        float squares = 0f;
        for (int c = 0; c < columns; c++) {
            float d = x[base + c] - mu;
            squares = squares + d * d;
        }
        float r = 1f / sqrt(squares / columns + eps);
        mean[row] = mu;
        inverseStd[row] = r;
        for (int c = 0; c < columns; c++) {
            float v = (x[base + c] - mu) * r * g[c];
            if (hasBias != 0) {
                v = v + b[c];
            }
            y[base + c] = v;
        }
    }

    private void inputGradient(int row) {
        int base = row * columns;
        float mu = mean[row];
        float r = inverseStd[row];
        float sum = 0f;
        float dot = 0f;
        for (int c = 0; c < columns; c++) {
            float gradient = dy[base + c] * g[c];
            sum = sum + gradient;
            dot = dot + gradient * (x[base + c] - mu) * r;
        }
        float meanGradient = sum / columns;
        float meanDot = dot / columns;
        for (int c = 0; c < columns; c++) {
            float normalised = (x[base + c] - mu) * r;
            dx[base + c] = r * (dy[base + c] * g[c] - meanGradient - normalised * meanDot);
        }
    }

    private void weightGradient(int column) {
        float gSum = 0f;
        float bSum = 0f;
        for (int row = 0; row < rows; row++) {
            int at = row * columns + column;
            gSum = gSum + dy[at] * (x[at] - mean[row]) * inverseStd[row];
            bSum = bSum + dy[at];
        }
        dg[column] = gSum;
        if (hasBias != 0) {
            db[column] = bSum;
        }
    }
}
