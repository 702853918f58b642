package org.sparsa.runner.internal.run;

import java.nio.file.Path;
import java.util.function.LongConsumer;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.stage.MetricsSink;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.stage.StageCheckpoints;
import org.sparsa.core.stage.StageResources;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * What the run hands one stage; {@code boundaries} hears of each step boundary of the stage
 * (the stage's steps done so far).
 */
record RunContext(String name, Path runFolder, long seed, LlamaModel model, Tokenizer tokenizer,
        Task task, StageSettings settings, StageCheckpoints checkpoints, MetricsSink metrics,
        StageResources resources, LongConsumer boundaries) implements TrainingContext {

    @Override
    public void stepBoundary(long step) {
        boundaries.accept(step);
    }

    @Override
    public Parameters parameters() {
        return model.parameters().view("");
    }
}
