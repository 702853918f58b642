package org.sparsa.api.task;

import java.util.List;
import java.util.random.RandomGenerator;
import org.osgi.annotation.versioning.ConsumerType;

/** A configured task, made by a {@link TaskSource}. */
@ConsumerType
public interface Task {

    /** Draws a training example; the same generator state gives the same example. */
    Example sample(RandomGenerator random);

    /** The held-out examples scores are reported on, in a fixed order. */
    List<Example> evaluationSet();
}
