package org.sparsa.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs a test method once per backend of {@link TestBackends#kinds()}, passing that backend's
 * {@code Ops} (a {@code org.sparsa.core.autograd.Autograd}) as the method's first argument.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@MethodSource("org.sparsa.testkit.TestBackends#all")
public @interface EachBackend {
}
