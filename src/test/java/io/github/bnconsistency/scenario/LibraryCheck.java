package io.github.bnconsistency.scenario;

import java.util.function.Function;

/** The library checks the study scores against the truth. */
enum LibraryCheck {
    MATCHES_TRAINING("inferenceMatchesTraining(1e-3)", LibraryVerdicts::matchesTraining),
    CONVERGED("hasConvergedBatchNormStatistics", LibraryVerdicts::converged),
    PREDICTIONS("predictionsMatchTraining(0.99)", LibraryVerdicts::predictions);

    private final String title;
    private final Function<LibraryVerdicts, Check> outcome;

    LibraryCheck(String title, Function<LibraryVerdicts, Check> outcome) {
        this.title = title;
        this.outcome = outcome;
    }

    String title() {
        return title;
    }

    Check of(LibraryVerdicts verdicts) {
        return outcome.apply(verdicts);
    }
}
