package org.sparsa.runner.internal.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.plugin.PluginKind;
import org.sparsa.api.reward.RewardFunction;
import org.sparsa.api.task.Task;
import org.sparsa.api.task.TaskSource;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.checkpoint.Checkpoints;
import org.sparsa.core.checkpoint.TrainerState;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelConfig;
import org.sparsa.core.parameter.ParameterStore;
import org.sparsa.core.random.SplitMix64;
import org.sparsa.core.stage.StageResources;
import org.sparsa.core.stage.TrainedModel;
import org.sparsa.core.tokenizer.Tokenizer;
import org.sparsa.runner.internal.plugins.PluginSource;
import org.sparsa.runner.internal.plugins.ServiceRewardContext;
import org.sparsa.runner.internal.recipe.ModelSpec;
import org.sparsa.runner.internal.recipe.PluginRef;
import org.sparsa.runner.internal.recipe.Recipe;
import org.sparsa.runner.internal.recipe.ResolvedRecipe;
import org.sparsa.runner.internal.recipe.StageSpec;

/**
 * What a run offers its stages beyond their own model: the models of earlier stages, rebuilt
 * from the recipe and loaded from the run folder (a stage with its own {@code model:} keeps its
 * checkpoints in {@code stages/NAME/checkpoints/}; a stage of the run's model is read from the
 * run's checkpoint at that stage's end) or of another run folder, and tasks and rewards from
 * the plugins.
 */
final class RunStageResources implements StageResources {
    /** The folder below the run folder where stages keep what they make. */
    static final String STAGES = "stages";

    private final Recipe recipe;
    private final Path runFolder;
    private final PluginSource plugins;
    private final Tokenizer tokenizer;
    private final Backend backend;
    private final Task recipeTask;
    private final int currentStage;

    RunStageResources(Recipe recipe, Path runFolder, PluginSource plugins, Tokenizer tokenizer,
            Backend backend, Task recipeTask, int currentStage) {
        this.recipe = recipe;
        this.runFolder = runFolder;
        this.plugins = plugins;
        this.tokenizer = tokenizer;
        this.backend = backend;
        this.recipeTask = recipeTask;
        this.currentStage = currentStage;
    }

    /** The fresh model of a stage with its own {@code model:}, its weights drawn from the seed. */
    static LlamaModel freshModel(ModelSpec spec, Tokenizer tokenizer, Backend backend,
            PluginSource plugins, long seed) {
        return RunModule.model(RunModule.modelConfig(spec, tokenizer),
                new ParameterStore(new Autograd(backend), seed), plugins);
    }

    /** The seed a stage's own model's weights are drawn from. */
    static long modelSeed(long recipeSeed, String stage) {
        return SplitMix64.forPurpose(recipeSeed, "model/" + stage).nextLong();
    }

    @Override
    public TrainedModel stageModel(String stage) throws IOException {
        List<StageSpec> stages = recipe.stages();
        long offset = 0;
        for (int i = 0; i < currentStage; i++) {
            StageSpec spec = stages.get(i);
            offset += spec.steps();
            if (!spec.name().equals(stage)) {
                continue;
            }
            Path weights;
            LlamaModel model;
            if (spec.model() != null) {
                Path folder = runFolder.resolve(STAGES).resolve(stage);
                weights = new Checkpoints(folder).latest().orElseThrow(() ->
                        new IllegalArgumentException("stage '" + stage + "' left no checkpoint "
                                + "in " + folder)).resolve(Checkpoints.MODEL_FILE);
                model = freshModel(spec.model(), tokenizer, backend, plugins,
                        modelSeed(recipe.seed(), stage));
            } else {
                weights = runFolder.resolve("checkpoints").resolve(Checkpoints.folderName(offset))
                        .resolve(Checkpoints.MODEL_FILE);
                model = freshModel(recipe.model(), tokenizer, backend, plugins, recipe.seed());
            }
            if (!Files.exists(weights)) {
                throw new IllegalArgumentException("stage '" + stage + "': its model's weights "
                        + weights + " are missing (was the checkpoint pruned?)");
            }
            Checkpoints.loadWeights(weights, model.parameters());
            PluginRef task = spec.task() != null ? spec.task() : recipe.task();
            return new TrainedModel(stage, model,
                    spec.task() != null ? task(task.id(), task.config()) : recipeTask, task.id());
        }
        throw new IllegalArgumentException("no stage named '" + stage + "' runs before stage '"
                + stages.get(currentStage).name() + "'; earlier stages: " + String.join(", ",
                stages.subList(0, currentStage).stream().map(StageSpec::name).toList()));
    }

    /**
     * Reads the stage's model from another run folder: the latest checkpoint of
     * {@code stages/NAME/checkpoints/} for a stage with its own model, else the run's latest
     * checkpoint saved in that stage; the model is rebuilt from the checkpoint's
     * {@code config.json} and the task from the folder's {@code config.resolved.yaml}.
     */
    @Override
    public TrainedModel runModel(Path folder, String stage) throws IOException {
        Path resolved = folder.resolve(ResolvedRecipe.FILE_NAME);
        if (!Files.isRegularFile(resolved)) {
            throw new IllegalArgumentException("teacher '" + stage + "': " + folder + " is not a "
                    + "run folder (it has no " + ResolvedRecipe.FILE_NAME + ")");
        }
        Path tokenizerFile = folder.resolve(RunModule.TOKENIZER_FILE);
        if (Files.exists(tokenizerFile) && !Files.readString(tokenizerFile).equals(
                tokenizer.toJson())) {
            throw new IllegalArgumentException("teacher '" + stage + "' of " + folder + " was "
                    + "trained with another tokenizer than this run's; teacher and student must "
                    + "share it");
        }
        JsonNode recipeTree = new ObjectMapper(new YAMLFactory()).readTree(resolved.toFile());
        JsonNode taskNode = recipeTree.path("task");
        boolean found = false;
        for (JsonNode node : recipeTree.path("stages")) {
            if (stage.equals(node.path("name").asText())) {
                found = true;
                if (node.has("task")) {
                    taskNode = node.path("task");
                }
            }
        }
        if (!found) {
            throw new IllegalArgumentException("teacher '" + stage + "': the run in " + folder
                    + " has no stage of that name");
        }
        Path checkpoint = latestOf(folder.resolve(STAGES).resolve(stage), stage);
        if (checkpoint == null) {
            checkpoint = latestOf(folder, stage);
        }
        if (checkpoint == null) {
            throw new IllegalArgumentException("teacher '" + stage + "': the run in " + folder
                    + " holds no checkpoint of that stage");
        }
        LlamaModel model = RunModule.model(ModelConfig.fromHuggingFaceJson(
                Checkpoints.readConfig(checkpoint)), new ParameterStore(new Autograd(backend),
                recipe.seed()), plugins);
        Checkpoints.loadWeights(checkpoint.resolve(Checkpoints.MODEL_FILE), model.parameters());
        @SuppressWarnings("unchecked")
        Map<String, Object> taskConfig = new ObjectMapper().convertValue(taskNode.path("config"),
                Map.class);
        String taskId = taskNode.path("id").asText();
        return new TrainedModel(stage, model, task(taskId, taskConfig == null ? Map.of()
                : taskConfig), taskId);
    }

    /** The latest checkpoint below {@code folder} saved in {@code stage}, or null. */
    private static Path latestOf(Path folder, String stage) throws IOException {
        if (!Files.isDirectory(folder.resolve("checkpoints"))) {
            return null;
        }
        Path best = null;
        for (Path checkpoint : new Checkpoints(folder).list()) {
            TrainerState state = Checkpoints.readState(checkpoint);
            if (stage.equals(state.extra().get(RunCheckpoints.STAGE))) {
                best = checkpoint;
            }
        }
        return best;
    }

    @Override
    public Task task(String id, Map<String, Object> config) {
        return plugins.get(PluginKind.TASK, id, TaskSource.class)
                .create(PluginConfig.of(config, "task '" + id + "'"));
    }

    @Override
    public RewardFunction reward(String id, Map<String, Object> config) {
        return new ServiceRewardContext(plugins).reward(id,
                PluginConfig.of(config, "reward '" + id + "'"));
    }
}
