package org.sparsa.distill.internal;

/**
 * One completion a teacher wrote that passed the filter: a row of the student's SFT data and a
 * line of the stage's JSONL file.
 *
 * @param teacher the teacher's name
 * @param task the task's label
 * @param prompt the prompt's text
 * @param completion the completion's text as the teacher wrote it (before end of sequence)
 * @param reference the task's reference answer, or null
 * @param reward the filter's reward, or NaN when there is no filter
 * @param promptTokens the prompt's tokens
 * @param completionTokens the completion's tokens, without end of sequence
 */
record DistilledCompletion(String teacher, String task, String prompt, String completion,
        String reference, double reward, int[] promptTokens, int[] completionTokens) {
}
