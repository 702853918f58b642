package org.sparsa.api.reward;

/**
 * One item of a rubric carried by a prompt: a criterion a judge scores in [0, 1] and its weight
 * in the rubric reward's weighted mean.
 *
 * @param criterion what the completion must satisfy, in the judge's language
 * @param weight the item's weight, non-negative
 */
public record RubricItem(String criterion, double weight) {
    public RubricItem {
        if (criterion == null) {
            throw new IllegalArgumentException("rubric item: criterion is missing");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("rubric item '" + criterion
                    + "': weight must be a finite number >= 0, found " + weight);
        }
    }
}
