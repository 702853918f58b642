package org.sparsa.core.compute.opencl;

/**
 * A kernel launched over a one-dimensional range, possibly in pieces: work item {@code g} of a
 * piece handles item {@code offset + g} of the whole, and items at or past the whole count do
 * nothing.
 */
public interface RangeKernel {

    /** Where the next launch's first work item sits in the whole range. */
    void offset(int first);
}
