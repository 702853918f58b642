package org.sparsa.core.attention.internal;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.sparsa.api.autograd.DifferentiableFunction;
import org.sparsa.api.autograd.FunctionContext;
import org.sparsa.api.autograd.GradScope;
import org.sparsa.api.autograd.Ops;
import org.sparsa.api.autograd.Variable;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.api.tensor.Tensor;
import org.sparsa.core.tensor.DenseTensor;

/**
 * Just enough of {@link Ops} for a layer that records nothing: {@code backend}, {@code constant},
 * {@code noGrad}, {@code isRecording} and {@code apply} (forward only); every other op throws.
 * It counts the calls to {@code apply} and whether they ran inside {@code noGrad}.
 */
final class StubOps {
    final BackendKind backend;
    final Ops ops;
    int applied;
    int appliedWithoutGrad;
    private int noGradDepth;

    StubOps(BackendKind backend) {
        this.backend = backend;
        this.ops = (Ops) Proxy.newProxyInstance(Ops.class.getClassLoader(),
                new Class<?>[] {Ops.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "backend" -> backend;
                    case "constant" -> args.length == 1 ? variable((Tensor) args[0])
                            : variable((float[]) args[0], (int[]) args[1]);
                    case "isRecording" -> noGradDepth == 0;
                    case "noGrad" -> {
                        noGradDepth++;
                        yield (GradScope) () -> noGradDepth--;
                    }
                    case "apply" -> apply((DifferentiableFunction) args[0], (Variable[]) args[1]);
                    case "toString" -> "StubOps(" + backend + ")";
                    default -> throw new UnsupportedOperationException("stub ops: "
                            + method.getName());
                });
    }

    Variable variable(float[] values, int... shape) {
        return variable(DenseTensor.copyOf(values, shape));
    }

    Variable variable(Tensor value) {
        return new StubVariable(value, ops);
    }

    private List<Variable> apply(DifferentiableFunction function, Variable... inputs) {
        applied++;
        if (noGradDepth > 0) {
            appliedWithoutGrad++;
        }
        Tensor[] values = Arrays.stream(inputs).map(Variable::value).toArray(Tensor[]::new);
        List<Tensor> saved = new ArrayList<>();
        FunctionContext context = new FunctionContext() {
            @Override
            public void save(Tensor... tensors) {
                saved.addAll(Arrays.asList(tensors));
            }

            @Override
            public List<Tensor> saved() {
                return saved;
            }

            @Override
            public boolean needsGradient(int index) {
                return false;
            }

            @Override
            public Tensor tensor(float[] values, int... shape) {
                return DenseTensor.wrap(values, shape);
            }

            @Override
            public BackendKind backend() {
                return backend;
            }
        };
        return Arrays.stream(function.forward(context, values)).map(this::variable).toList();
    }

    /** A value without a gradient. */
    private record StubVariable(Tensor value, Ops ops) implements Variable {
        @Override
        public Optional<Tensor> grad() {
            return Optional.empty();
        }

        @Override
        public void zeroGrad() {
        }

        @Override
        public boolean requiresGrad() {
            return false;
        }

        @Override
        public Optional<String> name() {
            return Optional.empty();
        }

        @Override
        public void backward() {
            throw new IllegalStateException("stub variable: no graph");
        }
    }
}
