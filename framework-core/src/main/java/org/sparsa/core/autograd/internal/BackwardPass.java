package org.sparsa.core.autograd.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sparsa.core.tensor.DenseTensor;

/**
 * One backward pass from a scalar variable: visits the nodes it depends on in topological
 * order, each after every node that consumes its outputs, and adds the gradients that reach
 * leaves to theirs.
 *
 * <p>The order is computed iteratively (graphs of deep models would overflow the call stack),
 * and depends only on the graph, so gradients are summed in the same order every time. The
 * gradients of a node's outputs are dropped as soon as the node has run.
 */
final class BackwardPass {
    private final Engine engine;
    private final TensorVariable root;

    BackwardPass(Engine engine, TensorVariable root) {
        this.engine = engine;
        this.root = root;
    }

    void run() {
        if (root.value().size() != 1) {
            throw new IllegalStateException("backward: the variable has shape "
                    + Arrays.toString(root.shapeView()) + "; only a single value (a loss) can "
                    + "start a backward pass");
        }
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: the variable needs no gradient (it was "
                    + "computed from constants only, inside noGrad, or detached)");
        }
        float[] one = new float[root.value().size()];
        Arrays.fill(one, 1f);
        DenseTensor seed = DenseTensor.wrap(one, root.shapeView());
        if (root.isLeaf()) {
            root.accumulate(seed);
            return;
        }
        Map<Node, DenseTensor[]> pending = new IdentityHashMap<>();
        pending.computeIfAbsent(root.creator(), n -> new DenseTensor[n.outputCount()])
                [root.outputIndex()] = seed;
        for (Node node : topologicalOrder(root.creator())) {
            DenseTensor[] outputGradients = pending.remove(node);
            if (outputGradients == null) {
                continue; // every consumer's gradient for it was zero-sized or skipped
            }
            fillMissing(node, outputGradients);
            DenseTensor[] inputGradients = node.backward(outputGradients);
            check(node, inputGradients);
            for (int i = 0; i < node.inputCount(); i++) {
                TensorVariable input = node.input(i);
                if (input == null || !input.requiresGrad()) {
                    continue;
                }
                DenseTensor gradient = inputGradients[i];
                if (input.isLeaf()) {
                    input.accumulate(gradient);
                } else {
                    DenseTensor[] slots = pending.computeIfAbsent(input.creator(),
                            n -> new DenseTensor[n.outputCount()]);
                    int k = input.outputIndex();
                    slots[k] = slots[k] == null ? gradient : engine.add(slots[k], gradient);
                }
            }
        }
    }

    /** Zeros for the outputs of a multi-output node that the loss does not depend on. */
    private static void fillMissing(Node node, DenseTensor[] outputGradients) {
        for (int i = 0; i < outputGradients.length; i++) {
            if (outputGradients[i] == null) {
                outputGradients[i] = DenseTensor.zeros(node.outputShape(i));
            }
        }
    }

    /** Checks that a node returned a gradient of the right shape for every input needing one. */
    private static void check(Node node, DenseTensor[] gradients) {
        if (gradients == null || gradients.length != node.inputCount()) {
            throw new IllegalStateException(node.op() + " backward: returned "
                    + (gradients == null ? "no array" : gradients.length + " gradients")
                    + " for " + node.inputCount() + " inputs");
        }
        for (int i = 0; i < gradients.length; i++) {
            if (node.input(i) == null) {
                continue;
            }
            if (gradients[i] == null) {
                throw new IllegalStateException(node.op() + " backward: returned no gradient "
                        + "for input " + i + ", which needs one");
            }
            int[] expected = node.inputShape(i);
            if (!Arrays.equals(gradients[i].shapeView(), expected)) {
                throw new IllegalStateException(node.op() + " backward: gradient for input " + i
                        + " has shape " + Arrays.toString(gradients[i].shapeView())
                        + ", expected the input's shape " + Arrays.toString(expected));
            }
        }
    }

    /**
     * The nodes {@code start} depends on (itself included), each before the nodes making its
     * inputs: the reverse of an iterative depth-first post-order.
     */
    private static List<Node> topologicalOrder(Node start) {
        List<Node> postOrder = new ArrayList<>();
        Set<Node> visited = Collections.newSetFromMap(new IdentityHashMap<>());
        // Each frame is a node and the index of the next input to visit.
        Deque<Frame> stack = new ArrayDeque<>();
        visited.add(start);
        stack.push(new Frame(start));
        while (!stack.isEmpty()) {
            Frame top = stack.peek();
            if (top.next < top.node.inputCount()) {
                TensorVariable input = top.node.input(top.next++);
                if (input != null && !input.isLeaf() && visited.add(input.creator())) {
                    stack.push(new Frame(input.creator()));
                }
            } else {
                stack.pop();
                postOrder.add(top.node);
            }
        }
        Collections.reverse(postOrder);
        return postOrder;
    }

    private static final class Frame {
        final Node node;
        int next;

        Frame(Node node) {
            this.node = node;
        }
    }
}
