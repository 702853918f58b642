/**
 * The Aparapi kernels behind {@link org.sparsa.core.attention.OpenClFullAttention}: one
 * {@link com.aparapi.Kernel} subclass per pass (forward, dq, dk/dv), each a plain top-level
 * class whose {@code run()} touches only primitives and one-dimensional primitive arrays, as
 * Aparapi's bytecode-to-OpenCL translation requires.
 *
 * <p>Every work item owns the rows it writes and sums in a fixed order, so there are no atomics
 * and results are bit-identical from run to run on one device. The classes are compiled with
 * debug information (Aparapi reads their local variable tables) and read back as class files
 * through their own class loader, which inside OSGi is the bundle's.
 */
package org.sparsa.core.attention.internal.opencl;
