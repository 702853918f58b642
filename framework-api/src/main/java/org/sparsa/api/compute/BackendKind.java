package org.sparsa.api.compute;

/** The compute backends a run can ask for. */
public enum BackendKind {
    /** Multi-threaded Java loops on the host. */
    JAVA,
    /** Aparapi kernels on an OpenCL device (a GPU, or the CPU through PoCL). */
    OPENCL,
    /** An OpenCL GPU when there is one, else the faster of the others; the choice is logged. */
    AUTO
}
