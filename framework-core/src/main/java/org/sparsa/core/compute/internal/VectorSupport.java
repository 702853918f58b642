package org.sparsa.core.compute.internal;

/**
 * Whether the incubating Vector API ({@code jdk.incubator.vector}) can be used: the launcher,
 * the tests and the benchmarks start the JVM with {@code --add-modules jdk.incubator.vector};
 * a JVM started without it, or a framework that does not export the package, runs the plain
 * loops, which give the same bits, only slower.
 */
final class VectorSupport {
    private static final int FLOAT_LANES = probe();

    private VectorSupport() {
    }

    /** Floats in the JVM's preferred vector, or 0 when the Vector API is not available. */
    static int floatLanes() {
        return FLOAT_LANES;
    }

    private static int probe() {
        try {
            Class.forName("jdk.incubator.vector.FloatVector", false,
                    VectorSupport.class.getClassLoader());
            return Lanes.preferred();
        } catch (ClassNotFoundException | LinkageError e) {
            return 0;
        }
    }

    /** Loaded only once the API is known to be there. */
    private static final class Lanes {
        static int preferred() {
            return jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        }
    }
}
