package org.sparsa.grpo.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.plugin.ConfigException;
import org.sparsa.api.plugin.PluginConfig;
import org.sparsa.api.policy.PolicyLossResult;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * {@code policy.loss}: logp, logp_old, logp_ref, mask [B,T] and rewards [B] give loss [1],
 * advantages [B] and keep [B]; with {@code dout.loss} also the gradient of logp. The case's
 * config holds {@code group_size} (consecutive completions form a group), optionally
 * {@code preset} (default {@code grpo}) and any knob of {@link ObjectiveKeys}, which override
 * the preset as a recipe's would. The golden format names the off-policy threshold alone: a
 * case with {@code offpolicy_delta} and no {@code offpolicy_mask} has the mask on.
 */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY + "=policy.loss")
public final class PolicyLossGoldenOp implements GoldenOp {
    private static final String OP = "policy.loss";

    @Override
    public Set<BackendKind> backends() {
        return GoldenBackends.available();
    }

    @Override
    public GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend) {
        Map<String, Object> config = new LinkedHashMap<>(goldenCase.config());
        Object groupSize = config.remove("group_size");
        if (!(groupSize instanceof Integer size) || size < 1) {
            throw new IllegalArgumentException(OP + ": config 'group_size' must be a positive"
                    + " integer, found " + groupSize);
        }
        if (config.containsKey(ObjectiveKeys.OFFPOLICY_DELTA)) {
            config.putIfAbsent(ObjectiveKeys.OFFPOLICY_MASK, true);
        }
        Object presetName = config.remove("preset");
        Preset preset = Preset.of(presetName == null ? "grpo" : presetName.toString());
        ClippedPolicyLoss loss;
        try {
            loss = new ClippedPolicyLoss(preset.config().overriddenBy(PluginConfig.of(config,
                    goldenCase.file().getFileName().toString())));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(OP + ": " + e.getMessage(), e);
        }
        try (Backend kernels = Backends.open(backend)) {
            Autograd ops = new Autograd(kernels);
            Variable logp = ops.leaf(tensor(ops, goldenCase, "in.logp"));
            int rows = logp.shape()[0];
            Rollouts batch = new Rollouts(logp, tensor(ops, goldenCase, "in.logp_old"),
                    goldenCase.has("in.logp_ref")
                            ? Optional.of(tensor(ops, goldenCase, "in.logp_ref"))
                            : Optional.empty(),
                    tensor(ops, goldenCase, "in.mask"), tensor(ops, goldenCase, "in.rewards"),
                    Rollouts.consecutiveGroups(rows, size));
            PolicyLossResult result;
            try {
                result = loss.compute(batch);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(OP + ": " + e.getMessage(), e);
            }
            GoldenOutputs outputs = new GoldenOutputs()
                    .put("out.loss", result.loss().value().toArray())
                    .put("out.advantages", result.advantages().toArray())
                    .put("out.keep", result.keep().toArray());
            if (goldenCase.has("dout.loss")) {
                Variable weight = ops.constant(goldenCase.floats("dout.loss"), 1);
                ops.sum(ops.mul(ops.reshape(result.loss(), 1), weight), false).backward();
                outputs.put("grad.logp", logp.grad().map(Tensor::toArray)
                        .orElseGet(() -> new float[logp.value().size()]));
            }
            return outputs;
        }
    }

    private static Tensor tensor(Autograd ops, GoldenCase goldenCase, String name) {
        if (!goldenCase.has(name)) {
            throw new IllegalArgumentException(OP + ": the case has no " + name);
        }
        return ops.tensor(goldenCase.floats(name), goldenCase.shape(name));
    }
}
