package org.sparsa.core.verify;

/**
 * How one expected tensor compared.
 *
 * @param name the tensor's golden name ({@code out.o}, {@code grad.q})
 * @param worstAbsolute the largest {@code |got - want|}
 * @param worstRelative the largest {@code |got - want| / |want|} over non-zero {@code want}
 * @param passed whether every value is within tolerance (integers and infinities exactly)
 * @param problem why it failed, or empty
 */
public record TensorCheck(String name, double worstAbsolute, double worstRelative,
        boolean passed, String problem) {
}
