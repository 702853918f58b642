package org.sparsa.runner.internal.run;

import java.nio.file.Path;
import org.sparsa.api.parameter.Parameters;
import org.sparsa.api.stage.MetricsSink;
import org.sparsa.api.task.Task;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.stage.StageCheckpoints;
import org.sparsa.core.stage.StageResources;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;
import org.sparsa.core.tokenizer.Tokenizer;

/** What the run hands one stage. */
record RunContext(String name, Path runFolder, long seed, LlamaModel model, Tokenizer tokenizer,
        Task task, StageSettings settings, StageCheckpoints checkpoints, MetricsSink metrics,
        StageResources resources) implements TrainingContext {

    @Override
    public Parameters parameters() {
        return model.parameters().view("");
    }
}
