package io.github.bnconsistency.api.error;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.TextReport;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** Inference outputs differ from training outputs by more than the tolerance. */
public class ShouldMatchTrainingOutputs extends BasicErrorMessageFactory {

    private static final String NOT_STATISTICS = "No BatchNormalization layer's own statistics explain it: the "
            + "difference comes from float rounding through a deep network (compare in DOUBLE), from batch-dependent "
            + "training outputs over several probe batches, or from layers that behave differently in training.\n";

    public static ErrorMessageFactory shouldMatchTrainingOutputs(ConsistencyReport report, double tolerance) {
        return new ShouldMatchTrainingOutputs(report, tolerance);
    }

    private ShouldMatchTrainingOutputs(ConsistencyReport report, double tolerance) {
        super("Expecting inference outputs to match training outputs within %s,%nbut %s.%n%s%s",
                unquotedString(String.valueOf(tolerance)),
                unquotedString(TextReport.outputSummary(report.output())),
                unquotedString(report.rootCause().isPresent() || !report.hasBatchNormLayers() ? "" : NOT_STATISTICS),
                unquotedString(TextReport.diagnosis(report)));
    }
}
