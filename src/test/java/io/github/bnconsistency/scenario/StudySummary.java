package io.github.bnconsistency.scenario;

import java.util.List;
import java.util.function.Predicate;

/**
 * The study's score: per library check and probe form, how often it passed an inconsistent model (a miss),
 * failed a consistent one (a false alarm), and how often the report advised "train ~N more" for a consistent
 * model. Models whose truth is {@link TruthLabel#NOT_SCORED} count nowhere.
 */
final class StudySummary {

    private final List<ScenarioResult> results;

    StudySummary(List<ScenarioResult> results) {
        this.results = List.copyOf(results);
    }

    long scenarios(TruthLabel label) {
        return results.stream().filter(r -> r.label() == label).count();
    }

    /** (scenario, probe form) rows of models with this truth label, on {@code form} or on every form when null. */
    long rows(TruthLabel label, ProbeForm form) {
        return count(label, form, v -> true);
    }

    /** Inconsistent models the check passed. */
    long misses(LibraryCheck check, ProbeForm form) {
        return count(TruthLabel.INCONSISTENT, form, v -> check.of(v) == Check.PASS);
    }

    /** Consistent models the check failed. */
    long falseAlarms(LibraryCheck check, ProbeForm form) {
        return count(TruthLabel.CONSISTENT, form, v -> check.of(v) == Check.FAIL);
    }

    /** Rows where the check threw instead of passing or failing, whatever the truth. */
    long errors(LibraryCheck check, ProbeForm form) {
        return results.stream()
                .mapToLong(r -> r.verdicts().entrySet().stream()
                        .filter(e -> form == null || e.getKey() == form)
                        .filter(e -> check.of(e.getValue()) == Check.ERROR)
                        .count())
                .sum();
    }

    /** Consistent models whose report advised training longer. */
    long trainLongerOnConsistent(ProbeForm form) {
        return count(TruthLabel.CONSISTENT, form, LibraryVerdicts::trainLonger);
    }

    /** Scored scenarios on which the check's outcome is not the same on every probe form. */
    long dependsOnProbeForm(LibraryCheck check) {
        return results.stream()
                .filter(r -> r.label() != TruthLabel.NOT_SCORED)
                .filter(r ->
                        r.verdicts().values().stream().map(check::of).distinct().count() > 1)
                .count();
    }

    private long count(TruthLabel label, ProbeForm form, Predicate<LibraryVerdicts> condition) {
        return results.stream()
                .filter(r -> r.label() == label)
                .mapToLong(r -> r.verdicts().entrySet().stream()
                        .filter(e -> form == null || e.getKey() == form)
                        .filter(e -> condition.test(e.getValue()))
                        .count())
                .sum();
    }
}
