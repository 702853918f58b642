package org.sparsa.runner.internal.sweep;

import java.util.regex.Pattern;

/**
 * What a Slurm job array of a sweep asks the scheduler for. Every field is optional (null):
 * without it the cluster's defaults apply.
 *
 * @param throttle at most this many array tasks run at once (the {@code %N} of
 *     {@code --array})
 * @param partition the {@code --partition}
 * @param time the {@code --time} limit of each trial, in any form Slurm accepts
 * @param cpusPerTask the {@code --cpus-per-task} of each trial
 * @param mem the {@code --mem} of each trial, such as {@code 16G}
 */
public record SlurmOptions(Integer throttle, String partition, String time,
        Integer cpusPerTask, String mem) {
    /**
     * The characters Slurm's own values use. {@code #SBATCH} lines are read by sbatch, not by
     * the shell, so a value cannot be quoted there; anything else is refused rather than
     * written into a line that sbatch would read differently.
     */
    private static final Pattern VALUE = Pattern.compile("[A-Za-z0-9._:,+@-]+");

    /** No options: the cluster's defaults and no throttle. */
    public static final SlurmOptions NONE = new SlurmOptions(null, null, null, null, null);

    /**
     * @throws IllegalArgumentException when a number is below 1 or a text has characters Slurm
     *     values do not have; the message names the option
     */
    public SlurmOptions {
        atLeastOne("--throttle", throttle);
        atLeastOne("--cpus-per-task", cpusPerTask);
        plain("--partition", partition);
        plain("--time", time);
        plain("--mem", mem);
    }

    private static void atLeastOne(String option, Integer value) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(option + ": expected at least 1, found " + value);
        }
    }

    private static void plain(String option, String value) {
        if (value != null && !VALUE.matcher(value).matches()) {
            throw new IllegalArgumentException(option + ": expected a Slurm value of letters, "
                    + "digits and . _ : , + @ -, found '" + value + "'");
        }
    }
}
