package org.sparsa.core.compute;

/** The element-wise functions a {@link Backend} maps over an array. */
public enum UnaryFunction {
    /** {@code e^x}; derivative {@code y}. */
    EXP,
    /** {@code ln x}; derivative {@code 1 / x}. */
    LOG,
    /** {@code max(x, 0)}; derivative 1 where {@code x > 0}, else 0. */
    RELU,
    /** {@code x * sigmoid(x)}; derivative {@code s * (1 + x * (1 - s))}. */
    SILU,
    /** {@code 1 / (1 + e^-x)}; derivative {@code y * (1 - y)}. */
    SIGMOID
}
