package org.sparsa.api.parameter;

import java.util.List;

/**
 * A learnable tensor a plugin needs, declared rather than owned: the framework creates it in
 * its parameter store under {@code name}, initialises it and hands it back at every step, which
 * is what lets a plugin be swapped in the middle of a run.
 *
 * @param name the parameter's name relative to its layer ({@code indexer.wq.weight})
 * @param shape the sizes of its dimensions
 * @param init how to initialise it: {@code zeros}, {@code ones} or {@code normal}
 * @param std the standard deviation for {@code normal}
 */
public record ParameterSpec(String name, List<Integer> shape, String init, double std) {
    public ParameterSpec {
        shape = List.copyOf(shape);
        if (!List.of("zeros", "ones", "normal").contains(init)) {
            throw new IllegalArgumentException("parameter '" + name + "': unknown init '" + init
                    + "'; expected zeros, ones or normal");
        }
    }
}
