package org.sparsa.runner.internal.run;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows a stage's progress: on a terminal a progress bar with step, loss, tokens/s and ETA;
 * otherwise (a pipe, a CI log) a plain line every twentieth of the stage. Either way every such
 * line, and every evaluation, goes to the {@value #LOGGER} logger, which {@link RunLog} writes
 * to {@code run.log}.
 */
final class ConsoleProgress implements AutoCloseable {
    /** The logger progress lines go to; it writes to the run log only, not the console. */
    static final String LOGGER = "sparsa.progress";

    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private final String stage;
    private final long steps;
    private final long every;
    private final PrintStream plain;
    private final ProgressBar bar;
    private final long startNanos = System.nanoTime();
    private final long firstStep;
    /** The latest evaluation, shown beside the bar: printing above it would tear it. */
    private String lastEvaluation = "";

    /**
     * @param firstStep the step the stage starts from (above 0 when resumed)
     * @param terminal whether to draw a bar rather than print lines
     */
    ConsoleProgress(String stage, long steps, long firstStep, PrintStream console,
            boolean terminal) {
        this.stage = stage;
        this.steps = steps;
        this.firstStep = firstStep;
        this.every = Math.max(1, steps / 20);
        if (terminal) {
            this.bar = new ProgressBarBuilder().setTaskName(stage).setInitialMax(steps)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                    .setConsumer(new ConsoleProgressBarConsumer(console))
                    .startsFrom(firstStep, Duration.ZERO).build();
            this.plain = null;
        } else {
            this.bar = null;
            this.plain = console;
        }
    }

    /** Whether this process writes to a terminal. */
    static boolean onTerminal() {
        return System.console() != null;
    }

    /** Records the training metrics of {@code step}. */
    void step(long step, Map<String, Double> metrics) {
        String summary = String.format(Locale.ROOT, "loss %.4f · %,.0f tok/s",
                metrics.getOrDefault("loss", Double.NaN),
                metrics.getOrDefault("tokens_per_s", Double.NaN));
        String line = String.format(Locale.ROOT, "%s %d/%d %s · lr %.2e · eta %s", stage, step,
                steps, summary, metrics.getOrDefault("lr", Double.NaN), eta(step));
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(summary + lastEvaluation);
        } else if (step % every == 0 || step == steps) {
            plain.println(line);
            plain.flush();
        }
        if (step % every == 0 || step == steps) {
            LOG.info(line);
        }
    }

    /** Records an evaluation's metrics at {@code step}. */
    void evaluation(long step, Map<String, Double> metrics) {
        String line = stage + " " + step + "/" + steps + " " + metrics.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.4f", e.getKey(), e.getValue()))
                .collect(Collectors.joining(" · "));
        if (bar == null) {
            plain.println(line);
            plain.flush();
        } else {
            lastEvaluation = metrics.entrySet().stream()
                    .filter(e -> !e.getKey().equals("eval/loss"))
                    .map(e -> String.format(Locale.ROOT, " · %s %.3f", e.getKey(), e.getValue()))
                    .collect(Collectors.joining());
        }
        LOG.info(line);
    }

    private String eta(long step) {
        long done = step - firstStep;
        if (done <= 0) {
            return "?";
        }
        double perStep = (System.nanoTime() - startNanos) / 1e9 / done;
        long seconds = Math.round(perStep * (steps - step));
        return seconds >= 60 ? (seconds / 60) + "m" + (seconds % 60) + "s" : seconds + "s";
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
