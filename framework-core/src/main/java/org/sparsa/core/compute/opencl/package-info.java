/**
 * Launching Aparapi kernels on an OpenCL device and nowhere else: the {@link Launcher} builds a
 * kernel for one device, launches it and throws where Aparapi would quietly fall back to its Java
 * thread pool. Core's backend and fused attention use it, and so can plugins that bring their own
 * OpenCL kernels. {@link KernelCaches} lets a swapped bundle's kernels and Aparapi's caches of
 * them go, so that the new revision's kernel code runs and the old class loader can be collected;
 * since 0.3.0 a revision still in use can be kept from that ({@link KernelCaches#keep}).
 */
@Export
@Version("0.3.0")
package org.sparsa.core.compute.opencl;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
