package io.github.bnconsistency.scenario;

/**
 * Whether a model is consistent, by issue 12's definition, judged on validation predictions of the model against
 * those of its exactly recalibrated copy ({@link TruthComparison}).
 */
enum TruthLabel {
    /** Predictions agree on at least 99% of validation examples and accuracy moves less than 1 point. */
    CONSISTENT,
    /** Predictions agree on fewer than 90% of validation examples or accuracy moves more than 5 points. */
    INCONSISTENT,
    /** In between: neither clearly consistent nor clearly not, so no verdict is scored against it. */
    NOT_SCORED;

    static TruthLabel of(double agreement, double accuracyMovePoints) {
        if (agreement >= 0.99 && accuracyMovePoints < 1) {
            return CONSISTENT;
        }
        if (agreement < 0.90 || accuracyMovePoints > 5) {
            return INCONSISTENT;
        }
        return NOT_SCORED;
    }
}
