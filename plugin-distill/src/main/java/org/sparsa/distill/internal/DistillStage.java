package org.sparsa.distill.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.stage.Stage;
import org.sparsa.api.stage.StageContext;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.stage.TrainingContext;

/**
 * A configured {@code distill} stage: loads the teachers, makes the mode's loss (generating and
 * writing the data first in {@code sequences} mode), trains the run's model as the student,
 * evaluating it on every teacher's task, and at the end logs the score table of the teachers
 * and the student on every task.
 */
final class DistillStage implements Stage {
    private final DistillConfig config;

    DistillStage(DistillConfig config) {
        this.config = config;
    }

    @Override
    public void run(StageContext stageContext) throws Exception {
        TrainingContext context = TrainingContext.of(stageContext);
        StageSettings settings = context.settings();
        List<Teacher> teachers = Teachers.load(config.teachers(), context);
        Map<String, Double> extras = new LinkedHashMap<>();
        StudentLoss loss;
        if (config.mode() == DistillMode.LOGITS) {
            loss = new LogitDistillation(teachers, context.model(), context.tokenizer(),
                    settings, config.kl(), config.temperature(), config.answerOnly());
        } else {
            RewardFunction reward = config.rewardId() == null ? null
                    : context.resources().reward(config.rewardId(), config.rewardConfig());
            TeacherCompletions data = TeacherCompletions.generate(teachers, context.tokenizer(),
                    config, reward, context.seed());
            data.write(context.runFolder().resolve("stages").resolve(context.name()));
            extras.putAll(data.stats());
            loss = new SequenceDistillation(context.name(), teachers, data,
                    context.model(), context.tokenizer(), settings);
        }
        Map<String, Double> last = new DistillLoop(context, settings, loss,
                () -> ScoreTable.evaluate(context.model(), context.tokenizer(), teachers,
                        settings, config.evalExamples(), config.maxNewTokens()), extras).run();
        if (config.scoreTable()) {
            Map<String, Double> table = new LinkedHashMap<>();
            for (Teacher teacher : teachers) {
                table.putAll(ScoreTable.rows(teacher.name(), ScoreTable.evaluate(
                        teacher.model(), context.tokenizer(), teachers,
                        settings.withAttentionMode(StageSettings.DEFAULT_MODE),
                        config.evalExamples(), config.maxNewTokens())));
            }
            table.putAll(ScoreTable.rows(context.name(), last));
            context.metrics().log(settings.steps(), table);
        }
    }
}
