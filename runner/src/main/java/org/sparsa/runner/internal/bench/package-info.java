/**
 * {@code sparsa bench}: Sparsa's side of the PyTorch baseline's workloads (GEMM, one attention
 * layer per plugin, a training step, greedy decoding) with the baseline's shapes, each timed as
 * the median of repeats after warm-up; the measurements use the baseline's JSON field names so
 * that the two join by workload and size into ratios. Internal: the bundle exports nothing.
 */
package org.sparsa.runner.internal.bench;
