package org.sparsa.api.reward;

/**
 * A judge's verdict on one rubric item.
 *
 * @param score in [0, 1]; 0 when the judgement could not be parsed
 * @param parsed false when the judge's output (or the criterion) could not be understood; the
 *     rubric reward counts these
 * @param rationale a short explanation for logs, possibly empty
 */
public record Judgement(double score, boolean parsed, String rationale) {
    public Judgement {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("judgement score must lie in [0, 1], found " + score);
        }
        rationale = rationale == null ? "" : rationale;
    }

    /** A verdict that could not be parsed: scores 0. */
    public static Judgement unparsed(String rationale) {
        return new Judgement(0, false, rationale);
    }
}
