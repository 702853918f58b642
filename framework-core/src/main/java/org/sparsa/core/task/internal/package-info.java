/**
 * The built-in tasks, each a Declarative Services {@link org.sparsa.api.task.TaskSource}:
 * {@code corpus} (windows of a text file), {@code mqar} (multi-query associative recall),
 * {@code passkey} and {@code needle} (retrieval from long filler text) and {@code arithmetic}
 * (word problems answered in {@code \boxed{}}).
 *
 * <p>Every task is deterministic: a training example depends only on the state of the generator
 * handed to {@link org.sparsa.api.task.Task#sample}, and the evaluation set only on the
 * configuration (its {@code seed} included). Generated tasks keep training draws off the
 * evaluation prompts by redrawing, a bounded number of times, from the same generator.
 */
package org.sparsa.core.task.internal;
