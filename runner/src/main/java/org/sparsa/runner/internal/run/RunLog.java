package org.sparsa.runner.internal.run;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * {@code run.log}: everything the run logs, from every bundle and thread, plus the progress
 * lines ({@link ConsoleProgress#LOGGER}), appended for as long as the run goes. Attached to the
 * logging back end the launcher configures; a no-op where another back end is bound.
 */
final class RunLog implements AutoCloseable {
    /** The file's name in the run folder. */
    static final String FILE_NAME = "run.log";

    private final FileAppender<ILoggingEvent> appender;
    private final List<Logger> loggers;

    private RunLog(FileAppender<ILoggingEvent> appender, List<Logger> loggers) {
        this.appender = appender;
        this.loggers = loggers;
    }

    /** Starts appending the run's log to {@code folder/run.log}. */
    static RunLog open(Path folder) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return new RunLog(null, List.of());
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{24} - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("run-log");
        appender.setFile(folder.resolve(FILE_NAME).toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
        appender.start();
        List<Logger> loggers = List.of(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME),
                context.getLogger(ConsoleProgress.LOGGER));
        loggers.forEach(logger -> logger.addAppender(appender));
        return new RunLog(appender, loggers);
    }

    @Override
    public void close() {
        if (appender != null) {
            loggers.forEach(logger -> logger.detachAppender(appender));
            appender.stop();
        }
    }
}
