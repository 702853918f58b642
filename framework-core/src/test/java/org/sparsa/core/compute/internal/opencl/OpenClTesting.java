package org.sparsa.core.compute.internal.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;

/**
 * Opening the backend under the test rules, random inputs and comparisons for the OpenCL
 * backend tests.
 */
final class OpenClTesting {

    private OpenClTesting() {
    }

    /**
     * Skips the calling test class without an OpenCL device, except under {@code CI=true},
     * where PoCL is installed and a missing device is a failure.
     */
    static void requireDevice() {
        if ("true".equals(System.getenv("CI"))) {
            assertTrue(OpenClBackend.isAvailable(),
                    "CI=true but no OpenCL device: the OpenCL backend must be exercised in CI");
        } else {
            assumeTrue(OpenClBackend.isAvailable(), "no OpenCL device");
        }
    }

    /** Integers in {@code [0, bound)}. */
    static int[] indices(SplittableRandom random, int size, int bound) {
        int[] values = new int[size];
        for (int i = 0; i < size; i++) {
            values[i] = random.nextInt(bound);
        }
        return values;
    }

    /** Fails unless {@code |got - want| <= abs + rel |want|} everywhere (NaN matches NaN). */
    static void assertClose(String name, float[] want, float[] got, double abs, double rel) {
        assertEquals(want.length, got.length, name + ": length");
        for (int i = 0; i < want.length; i++) {
            double w = want[i];
            double g = got[i];
            if (Double.isNaN(w) && Double.isNaN(g) || w == g) {
                continue;
            }
            if (!(Math.abs(g - w) <= abs + rel * Math.abs(w))) {
                fail(name + "[" + i + "]: java " + w + ", opencl " + g + " (error "
                        + Math.abs(g - w) + ")");
            }
        }
    }

    /**
     * Fails unless the two arrays hold the same values: the same bits, except that any NaN
     * matches any NaN (their sign and payload bits carry nothing).
     */
    static void assertSameValues(String name, float[] want, float[] got) {
        assertEquals(want.length, got.length, name + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                fail(name + "[" + i + "]: java " + want[i] + ", opencl " + got[i]);
            }
        }
    }

    /** Fails unless the two arrays hold the same bits. */
    static void assertSameBits(String name, float[] want, float[] got) {
        assertEquals(want.length, got.length, name + ": length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                fail(name + "[" + i + "]: " + want[i] + " and " + got[i]);
            }
        }
    }
}
