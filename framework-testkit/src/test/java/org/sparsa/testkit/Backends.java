package org.sparsa.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.internal.JavaBackend;

/**
 * The backends the gradient tests run on, each as an {@code Ops}. A new backend is one more
 * entry in {@link #all()}, left out where its device is missing (the OpenCL backend also needs
 * Aparapi on this module's test class path, as core declares it {@code provided}).
 */
final class Backends {

    private Backends() {
    }

    static Stream<Arguments> all() {
        return Stream.of(Arguments.of(Named.of("java", new Autograd(new JavaBackend()))));
    }

    /** Runs a test method once per backend, passing the {@code Ops}. */
    @Target(ElementType.METHOD)
    @Retention(RetentionPolicy.RUNTIME)
    @ParameterizedTest(name = "{0}")
    @MethodSource("org.sparsa.testkit.Backends#all")
    @interface Each {
    }
}
