package io.github.bnconsistency.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

/**
 * Issue 12's targets for the library's verdicts in the scenario study, on every probe form: no miss on an
 * inconsistent model, at most 1% false alarms on consistent ones, and no "train longer" advice for a consistent
 * model. {@code ScenarioStudyTest} asserts them on the reduced set; {@code ScenarioStudyMain} prints them for any set.
 */
final class VerdictTargets {

    static final double MAX_FALSE_ALARM_RATE = 0.01;

    private VerdictTargets() {}

    /** Every target the results miss, one line each (empty when all are met). */
    static List<String> violations(List<ScenarioResult> results) {
        StudySummary summary = new StudySummary(results);
        List<String> violations = new ArrayList<>();
        long consistentRows = summary.rows(TruthLabel.CONSISTENT, null);
        for (LibraryCheck check : LibraryCheck.values()) {
            long misses = summary.misses(check, null);
            if (misses > 0) {
                violations.add(check.title() + ": " + misses + " misses on inconsistent models");
            }
            long falseAlarms = summary.falseAlarms(check, null);
            if (falseAlarms > MAX_FALSE_ALARM_RATE * consistentRows) {
                violations.add(check.title() + ": " + falseAlarms + " false alarms in " + consistentRows
                        + " consistent rows (at most 1% allowed)");
            }
            long errors = summary.errors(check, null);
            if (errors > 0) {
                violations.add(check.title() + ": " + errors + " errors");
            }
        }
        long trainLonger = summary.trainLongerOnConsistent(null);
        if (trainLonger > 0) {
            violations.add("'train ~N more' advised on " + trainLonger + " of " + consistentRows + " consistent rows");
        }
        return violations;
    }

    /** Fails with the table when a target is missed. */
    static void assertMet(List<ScenarioResult> results) {
        assertThat(violations(results)).as(StudyTable.render(results)).isEmpty();
    }
}
