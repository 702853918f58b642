package org.sparsa.distill.internal;

import java.util.Map;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.core.model.ModelOutput;
import org.sparsa.core.stage.StageSettings;

/**
 * The student's whole objective: the distillation loss plus its attention layers' own losses
 * (a DSA student's indexer KL) at the stage's {@code aux_loss_weight}, as the built-in training
 * stages weigh them, so a sparse student keeps its selection trained while it is distilled.
 */
final class StudentObjective {
    /** The prefix of each auxiliary loss's metric, as the built-in stages log it. */
    static final String AUX_PREFIX = "aux/";

    private StudentObjective() {
    }

    static Variable of(Variable distillation, ModelOutput out, StageSettings settings,
            Map<String, Double> parts) {
        Ops ops = out.logits().ops();
        Variable loss = distillation;
        for (Map.Entry<String, Variable> e : out.auxiliaryLosses().entrySet()) {
            String name = e.getKey().startsWith("layer.")
                    ? e.getKey().substring(e.getKey().indexOf('.', 6) + 1) : e.getKey();
            parts.merge(AUX_PREFIX + name, (double) e.getValue().value().item(), Double::sum);
            if (settings.auxLossWeight() > 0) {
                loss = ops.add(loss, settings.auxLossWeight() == 1 ? e.getValue()
                        : ops.scale(e.getValue(), settings.auxLossWeight()));
            }
        }
        return loss;
    }
}
