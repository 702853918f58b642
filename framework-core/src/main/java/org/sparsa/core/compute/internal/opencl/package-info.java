/**
 * The {@code opencl} compute backend: {@link
 * org.sparsa.core.compute.internal.opencl.OpenClBackend} and its Aparapi kernels, one
 * {@link com.aparapi.Kernel} subclass per family of ops. Each kernel's {@code run()} touches
 * only primitives and one-dimensional primitive arrays, as Aparapi's bytecode-to-OpenCL
 * translation requires; arrays and sizes reach it through fields set before each launch, and
 * buffers move only when the backend says so (explicit {@code put} and {@code get}).
 *
 * <p>Every work item owns the elements it writes and adds in a fixed order, so there are no
 * atomics and results are bit-identical from run to run on one device. Not exported.
 */
package org.sparsa.core.compute.internal.opencl;
