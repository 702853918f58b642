package org.sparsa.distill.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelOutput;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * The {@code sequences} mode's training: supervised fine-tuning on the kept completions. Each
 * row draws a teacher by weight (among those with kept completions), then one of its
 * completions; the row is the prompt, the completion and end of sequence, and the loss counts
 * the completion's tokens and end of sequence only, as the built-in {@code sft} stage does.
 */
final class SequenceDistillation implements StudentLoss {
    /** The metric of the SFT loss alone. */
    static final String SFT_METRIC = "distill/sft_loss";

    private final List<Teacher> teachers = new ArrayList<>();
    private final List<List<DistilledCompletion>> byTeacher = new ArrayList<>();
    private final LlamaModel student;
    private final Tokenizer tokenizer;
    private final StageSettings settings;

    /**
     * @throws IllegalStateException naming the stage when no teacher kept a completion
     */
    SequenceDistillation(String stage, List<Teacher> all, TeacherCompletions data,
            LlamaModel student, Tokenizer tokenizer, StageSettings settings) {
        List<DistilledCompletion> kept = data.kept();
        for (Teacher teacher : all) {
            List<DistilledCompletion> own = kept.stream()
                    .filter(c -> c.teacher().equals(teacher.name())).toList();
            if (!own.isEmpty()) {
                teachers.add(teacher);
                byTeacher.add(own);
            }
        }
        if (teachers.isEmpty()) {
            Map<String, Double> stats = data.stats();
            throw new IllegalStateException("stage '" + stage + "': no teacher completion was "
                    + "kept (generated " + stats.get("distill/generated").longValue()
                    + ", unfinished within completion_tokens "
                    + stats.get("distill/unfinished").longValue() + ", kept 0), so there is "
                    + "nothing to train on; lower min_reward, raise prompts, samples or "
                    + "completion_tokens, or train the teachers longer");
        }
        this.student = student;
        this.tokenizer = tokenizer;
        this.settings = settings;
    }

    private long lastTokens;

    @Override
    public long lastTokens() {
        return lastTokens;
    }

    @Override
    public Variable next(int rows, int seqLen, RandomGenerator data, Map<String, Double> parts) {
        List<int[]> documents = new ArrayList<>(rows);
        List<Integer> promptLengths = new ArrayList<>(rows);
        int time = 2;
        for (int r = 0; r < rows; r++) {
            List<DistilledCompletion> pool = byTeacher.get(Teacher.draw(teachers, data));
            DistilledCompletion c = pool.get(data.nextInt(pool.size()));
            int[] document = Documents.concat(c.promptTokens(),
                    Documents.answer(tokenizer, c.completionTokens()));
            documents.add(document);
            promptLengths.add(c.promptTokens().length);
            time = Math.max(time, Math.min(seqLen, document.length));
        }
        int[] tokens = new int[rows * time];
        int[] mask = new int[rows * time];
        Arrays.fill(tokens, tokenizer.padId());
        for (int r = 0; r < rows; r++) {
            int n = Math.min(time, documents.get(r).length);
            System.arraycopy(documents.get(r), 0, tokens, r * time, n);
            for (int i = Math.max(1, promptLengths.get(r)); i < n; i++) {
                mask[r * time + i] = 1;
            }
        }
        IntTensor batch = IntTensor.of(tokens, rows, time);
        lastTokens = tokens.length;
        ModelOutput out = student.forward(batch, settings.modes(student.config().layers()), null);
        Variable loss = LlamaModel.nextTokenLoss(out.logits(), batch,
                IntTensor.of(mask, rows, time));
        parts.merge(SFT_METRIC, (double) loss.value().item(), Double::sum);
        return StudentObjective.of(loss, out, settings, parts);
    }
}
