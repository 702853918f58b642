/**
 * The {@code distill} stage kind: teachers (specialists trained by earlier stages, or a larger
 * model of another run) distilled into the run's student, by the KL between their next-token
 * distributions ({@code logits}) or by supervised fine-tuning on their generations, filtered by
 * a reward ({@code sequences}).
 */
package org.sparsa.distill.internal;
