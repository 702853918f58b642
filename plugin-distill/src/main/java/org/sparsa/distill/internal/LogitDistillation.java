package org.sparsa.distill.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.core.model.LlamaModel;
import org.sparsa.core.model.ModelOutput;
import org.sparsa.core.stage.StageSettings;
import org.sparsa.core.tokenizer.Tokenizer;

/**
 * The {@code logits} mode: each micro-batch draws a teacher by weight and rows of whole
 * documents of its task (prompt, answer, end of sequence); the teacher's logits on them,
 * computed without a graph, are the targets of the student's {@link DistillationKl} at every
 * position that predicts a real token, or with {@code positions: answer} at those that predict
 * the answer and end of sequence. Teacher and student see the same tokens, whatever
 * attention each runs.
 */
final class LogitDistillation implements StudentLoss {
    /** The metric of the distillation KL alone. */
    static final String KL_METRIC = "distill/kl";

    private final List<Teacher> teachers;
    private final LlamaModel student;
    private final Tokenizer tokenizer;
    private final StageSettings settings;
    private final DistillationKl kl;
    private final boolean answerOnly;

    LogitDistillation(List<Teacher> teachers, LlamaModel student, Tokenizer tokenizer,
            StageSettings settings, KlDirection direction, double temperature,
            boolean answerOnly) {
        this.teachers = List.copyOf(teachers);
        this.student = student;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.kl = new DistillationKl(direction, temperature);
        this.answerOnly = answerOnly;
    }

    private long lastTokens;

    @Override
    public long lastTokens() {
        return lastTokens;
    }

    @Override
    public Variable next(int rows, int seqLen, RandomGenerator data, Map<String, Double> parts) {
        Teacher teacher = teachers.get(Teacher.draw(teachers, data));
        List<int[]> documents = new ArrayList<>(rows);
        int[] firstCounted = new int[rows];
        int time = 2;
        for (int r = 0; r < rows; r++) {
            var example = teacher.task().sample(data);
            int[] document = Documents.document(tokenizer, example);
            documents.add(document);
            // The last prompt token is the position that predicts the answer's first token.
            firstCounted[r] = answerOnly
                    ? Math.max(0, tokenizer.encode(example.prompt()).length - 1) : 0;
            time = Math.max(time, Math.min(seqLen, document.length));
        }
        int[] tokens = new int[rows * time];
        float[] counted = new float[rows * time];
        Arrays.fill(tokens, tokenizer.padId());
        for (int r = 0; r < rows; r++) {
            int n = Math.min(time, documents.get(r).length);
            System.arraycopy(documents.get(r), 0, tokens, r * time, n);
            // Position i predicts token i + 1: the last real token predicts nothing here.
            for (int i = firstCounted[r]; i < n - 1; i++) {
                counted[r * time + i] = 1;
            }
        }
        IntTensor batch = IntTensor.of(tokens, rows, time);
        lastTokens = tokens.length;
        float[] targets;
        int[] shape;
        try (GradScope noGraph = teacher.model().parameters().autograd().noGrad()) {
            var logits = teacher.model().forward(batch, null, null).logits().value();
            targets = logits.toArray();
            shape = logits.shape();
        }
        ModelOutput out = student.forward(batch, settings.modes(student.config().layers()), null);
        Ops ops = out.logits().ops();
        Variable loss = ops.apply(kl, out.logits(), ops.constant(targets, shape),
                ops.constant(counted, rows, time)).get(0);
        parts.merge(KL_METRIC, (double) loss.value().item(), Double::sum);
        return StudentObjective.of(loss, out, settings, parts);
    }
}
