package io.github.bnconsistency.api.error;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.TextReport;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** Inference outputs differ from training outputs by more than the tolerance. */
public class ShouldMatchTrainingOutputs extends BasicErrorMessageFactory {

    public static ErrorMessageFactory shouldMatchTrainingOutputs(ConsistencyReport report, double tolerance) {
        return new ShouldMatchTrainingOutputs(report, tolerance);
    }

    private ShouldMatchTrainingOutputs(ConsistencyReport report, double tolerance) {
        super("Expecting inference outputs to match training outputs within %s,%nbut %s.%n%s",
                unquotedString(String.valueOf(tolerance)),
                unquotedString(TextReport.outputSummary(report.output())),
                unquotedString(TextReport.diagnosis(report)));
    }
}
