package org.sparsa.core.compute.internal.opencl;

import com.aparapi.Kernel;
import org.sparsa.core.compute.opencl.RangeKernel;

/**
 * The SwiGLU gated unit {@code y = silu(gate) * up} and its two gradients, one work item per
 * element, computed as {@link UnaryKernel}'s {@code SILU} followed by a multiply so that the
 * fused op agrees with the two-op chain.
 */
public final class SwiGluKernel extends Kernel implements RangeKernel {
    private float[] gate = new float[1];
    private float[] up = new float[1];
    private float[] y = new float[1];
    private float[] dy = new float[1];
    private float[] dGate = new float[1];
    private float[] dUp = new float[1];
    private int backward;
    private int wantGate;
    private int wantUp;
    private int items;
    private int first;

    /** Sets {@code y = silu(gate) * up} as the next launches' work. */
    public void bindForward(float[] gate, float[] up, float[] y) {
        this.backward = 0;
        this.items = gate.length;
        this.gate = gate;
        this.up = up;
        this.y = y;
    }

    /**
     * Sets the gradients as the next launches' work; {@code dGate} or {@code dUp} is written
     * only when its flag is set (Aparapi takes no null arrays, so an unused one is a dummy).
     */
    public void bindBackward(float[] gate, float[] up, float[] dy, float[] dGate,
            boolean wantGate, float[] dUp, boolean wantUp) {
        this.backward = 1;
        this.items = gate.length;
        this.gate = gate;
        this.up = up;
        this.dy = dy;
        this.dGate = dGate;
        this.dUp = dUp;
        this.wantGate = wantGate ? 1 : 0;
        this.wantUp = wantUp ? 1 : 0;
    }

    @Override
    public void offset(int first) {
        this.first = first;
    }

    @Override
    public void run() {
        int id = first + getGlobalId();
        if (id < items) {
            float g = gate[id];
            float s = 1f / (1f + exp(-g));
            float silu = g * s;
            if (backward == 0) {
                y[id] = silu * up[id];
            } else {
                if (wantUp == 1) {
                    dUp[id] = dy[id] * silu;
                }
                if (wantGate == 1) {
                    float dSilu = dy[id] * up[id];
                    dGate[id] = dSilu * (s * (1f + g * (1f - s)));
                }
            }
        }
    }
}
