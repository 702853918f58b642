/**
 * Ablation sweeps: a recipe's {@code sweep:} block (or {@code key=a,b} lists on the
 * command line) expanded into trials, each trial's recipe validated before any runs, every
 * trial run as its own {@code sparsa run} process in {@code trials/N-NAME/} by a local pool,
 * finished trials skipped on a rerun, and the results aggregated into {@code results.csv},
 * {@code results.md} and plots; or, for a Slurm cluster, the same trials written as a job
 * array with its submission script; or the trials run on the members of a Hazelcast cluster
 * ({@code sparsa worker}), which send each trial's folder back. Internal: the bundle exports
 * nothing.
 */
package org.sparsa.runner.internal.sweep;
