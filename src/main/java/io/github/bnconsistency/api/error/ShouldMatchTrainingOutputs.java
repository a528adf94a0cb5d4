package io.github.bnconsistency.api.error;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.Numbers;
import io.github.bnconsistency.report.TextReport;
import java.util.List;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** Inference outputs differ from training outputs by more than the tolerance. */
public class ShouldMatchTrainingOutputs extends BasicErrorMessageFactory {

    private static final String NOT_STATISTICS = "No BatchNormalization layer's own statistics explain it: the "
            + "difference comes from float rounding through a deep network (compare in DOUBLE), from batch-dependent "
            + "training outputs over several probe batches, or from layers that behave differently in training.\n";

    /**
     * The message for inference outputs that differ from training outputs by more than the tolerance.
     *
     * @param report    the report that failed
     * @param tolerance the tolerance asserted
     * @return the factory of the failure message
     */
    public static ErrorMessageFactory shouldMatchTrainingOutputs(ConsistencyReport report, double tolerance) {
        return new ShouldMatchTrainingOutputs(report, tolerance);
    }

    /** When no layer is the root cause: an unmeasured layer may be, otherwise it is not the statistics. */
    private static String explanationWithoutRootCause(ConsistencyReport report) {
        if (report.rootCause().isPresent() || !report.hasBatchNormLayers()) {
            return "";
        }
        if (report.reference().isFloatRounding()) {
            return "No BatchNormalization layer's statistics explain it: it is float rounding. On a DOUBLE copy of the "
                    + "model the difference is "
                    + Numbers.number(report.reference().doublePrecision().get()) + " ("
                    + report.dataType() + " gives "
                    + Numbers.number(report.output().maxAbsDifference()) + "). Fix: "
                    + "check a DOUBLE copy (model.convertDataType(DataType.DOUBLE)), or use a tolerance above "
                    + Numbers.number(report.output().maxAbsDifference()) + " for this " + report.dataType()
                    + " model.\n";
        }
        if (report.reference().noise().isPresent()) {
            return "Every BatchNormalization layer's statistics are within tolerance or their sampling noise, yet the "
                    + "outputs differ by more than that noise makes them (up to "
                    + Numbers.number(report.reference().noise().get().maxAbsDifference())
                    + "): probe with more examples (the reference's targets are measured on the probe, and are "
                    + "noisier the fewer examples it has), then look for layers that behave differently in training "
                    + "or for float rounding (compare in DOUBLE).\n";
        }
        List<String> unmeasured = report.layers().stream()
                .filter(l -> l.status() == LayerStatus.UNSUPPORTED)
                .map(l -> l.name() + " (" + l.unmeasured().orElse("") + ")")
                .toList();
        if (!unmeasured.isEmpty()) {
            return "The likely cause is what the check could not measure: " + String.join(", ", unmeasured) + ".\n";
        }
        return NOT_STATISTICS;
    }

    private ShouldMatchTrainingOutputs(ConsistencyReport report, double tolerance) {
        super(
                "%nExpecting inference outputs to match training outputs within %s,%nbut %s.%n%s%s",
                unquotedString(String.valueOf(tolerance)),
                unquotedString(TextReport.outputSummary(report)),
                unquotedString(explanationWithoutRootCause(report)),
                unquotedString(TextReport.diagnosis(report)));
    }
}
