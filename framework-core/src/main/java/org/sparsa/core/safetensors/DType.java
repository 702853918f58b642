package org.sparsa.core.safetensors;

/**
 * The element types Sparsa reads from safetensors files, named as in the file's {@code dtype}
 * field. {@link #BF16} is read-only: Sparsa reads bfloat16 weights (converting them to float) but
 * never produces bfloat16, so the writer refuses it rather than write values it cannot check.
 */
public enum DType {
    F32(4),
    F64(8),
    I32(4),
    I64(8),
    U8(1),
    BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }
}
