package org.sparsa.distill.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.core.model.LlamaModel;

/** The logits mode trains a student towards its teacher, whatever attention each runs. */
class LogitDistillationTest {
    @TempDir
    Path run;

    private static PluginConfig config(String kl) {
        return PluginConfig.of(Map.of("mode", "logits", "kl", kl, "eval_examples", 4,
                "positions", kl.equals("reverse") ? "answer" : "all",
                "teachers", List.of(Map.of("stage", "specialist"))), "test");
    }

    private TestContext distil(LlamaModel teacher, LlamaModel student, long steps, double lr,
            String kl) throws Exception {
        TestContext context = new TestContext(student, TestContext.settings(steps, lr), run)
                .teacher("specialist", teacher, new ReverseTask("abcd"));
        new DistillStageKind().create(config(kl)).run(context);
        return context;
    }

    @Test
    void klIntoACopyOfTheTeachersArchitectureFallsTowardsZero() throws Exception {
        // Forward KL over every position, reverse KL over the answers' positions only.
        for (String kl : List.of("forward", "reverse")) {
            TestContext context = distil(TinyModels.dense(16, 1), TinyModels.dense(16, 2), 60,
                    1e-2, kl);
            List<Double> series = context.series(LogitDistillation.KL_METRIC);
            double first = series.get(0);
            double last = series.get(series.size() - 1);
            assertTrue(first > 0, kl + ": the student starts away from the teacher");
            assertTrue(last < 0.1 * first, kl + " KL fell from " + first + " to " + last
                    + ", not below a tenth");
            // The run may swap the student's attention before each of the 60 steps.
            assertEquals(java.util.stream.LongStream.range(0, 60).boxed().toList(),
                    context.boundaries);
        }
    }

    @Test
    void aDenseTeacherTrainsADsaStudentOfAnotherSize() throws Exception {
        TestContext context = distil(TinyModels.dense(24, 1), TinyModels.dsa(16, 2), 40, 1e-2,
                "forward");
        List<Double> series = context.series(LogitDistillation.KL_METRIC);
        double first = series.get(0);
        double last = series.get(series.size() - 1);
        assertTrue(last < 0.5 * first, "KL fell from " + first + " to " + last);
        // The DSA student's indexer keeps training on its own loss alongside.
        assertTrue(!context.series("aux/indexer_kl").isEmpty(), "indexer loss logged");
        // The score table has a row for the teacher and one for the student.
        assertTrue(!context.series("score/specialist/reverse/exact_match").isEmpty());
        assertTrue(!context.series("score/generalist/reverse/exact_match").isEmpty());
    }
}
