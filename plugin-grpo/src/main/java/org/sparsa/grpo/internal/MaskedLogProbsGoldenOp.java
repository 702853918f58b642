package org.sparsa.grpo.internal;

import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.IntTensor;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.autograd.Autograd;
import org.sparsa.core.compute.Backend;
import org.sparsa.core.compute.Backends;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenOutputs;

/**
 * {@code policy.masked_logprobs}: logits [B,T,V], the sampled tokens [B,T] and the sampler's
 * kept set [B,T,V] give the Keep Sampling Mask log-probabilities logp [B,T]
 * ({@link KeepSamplingMask}); with {@code dout.logp} also the gradient of the logits.
 */
@Component(service = GoldenOp.class, property = GoldenOp.OP_PROPERTY
        + "=policy.masked_logprobs")
public final class MaskedLogProbsGoldenOp implements GoldenOp {
    private static final String OP = "policy.masked_logprobs";

    @Override
    public Set<BackendKind> backends() {
        return GoldenBackends.available();
    }

    @Override
    public GoldenOutputs compute(GoldenCase goldenCase, BackendKind backend) {
        for (String name : new String[] {"in.logits", "in.tokens", "in.keep"}) {
            if (!goldenCase.has(name)) {
                throw new IllegalArgumentException(OP + ": the case has no " + name);
            }
        }
        try (Backend kernels = Backends.open(backend)) {
            Autograd ops = new Autograd(kernels);
            Variable logits = ops.leaf(ops.tensor(goldenCase.floats("in.logits"),
                    goldenCase.shape("in.logits")));
            Variable logp;
            try {
                logp = KeepSamplingMask.logProbs(logits,
                        IntTensor.of(goldenCase.ints("in.tokens"), goldenCase.shape("in.tokens")),
                        IntTensor.of(goldenCase.ints("in.keep"), goldenCase.shape("in.keep")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(OP + ": " + e.getMessage(), e);
            }
            GoldenOutputs outputs = new GoldenOutputs().put("out.logp", logp.value().toArray());
            if (goldenCase.has("dout.logp")) {
                Variable weights = ops.constant(goldenCase.floats("dout.logp"),
                        goldenCase.shape("dout.logp"));
                ops.sum(ops.mul(logp, weights), false).backward();
                outputs.put("grad.logits", logits.grad().map(Tensor::toArray)
                        .orElseGet(() -> new float[logits.value().size()]));
            }
            return outputs;
        }
    }
}
