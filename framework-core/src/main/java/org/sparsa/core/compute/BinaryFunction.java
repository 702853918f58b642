package org.sparsa.core.compute;

/** The element-wise binary functions a {@link Backend} applies with broadcasting. */
public enum BinaryFunction {
    ADD, SUB, MUL, DIV
}
