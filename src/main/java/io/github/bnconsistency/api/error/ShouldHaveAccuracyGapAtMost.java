package io.github.bnconsistency.api.error;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.Numbers;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.Reference;
import io.github.bnconsistency.report.TextReport;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/**
 * The inference accuracy is further from the reference's (training) accuracy than allowed, or there is no accuracy
 * to compare (outputs that are not class scores, no labels or labels that do not fit, non-finite outputs).
 *
 * <pre>{@code
 * ErrorMessageFactory failure = ShouldHaveAccuracyGapAtMost.shouldHaveAccuracyGapAtMost(report, 1.0);
 * System.out.println(failure.create());
 * }</pre>
 */
public class ShouldHaveAccuracyGapAtMost extends BasicErrorMessageFactory {

    private static final String EXPECTING =
            "%nExpecting inference accuracy to be within %s percentage points of " + "training accuracy,%n";

    /**
     * The failure for {@code report} judged at {@code maxPoints} percentage points: the two accuracies and their gap,
     * or why there is no accuracy, then the output summary and the diagnosis.
     *
     * <pre>{@code
     * shouldHaveAccuracyGapAtMost(report, 1.0).create();
     * // "Expecting inference accuracy to be within 1 percentage points of training accuracy, but training acc ..."
     * }</pre>
     *
     * @param report the report
     * @param maxPoints the largest {@code |reference accuracy - inference accuracy|} that passes, in percentage points
     * @return the factory of the failure message
     */
    public static ErrorMessageFactory shouldHaveAccuracyGapAtMost(ConsistencyReport report, double maxPoints) {
        OutputDivergence output = report.output();
        String allowed = Numbers.number(maxPoints);
        String summary = TextReport.outputSummary(report);
        String diagnosis = TextReport.diagnosis(report);
        if (!output.isClassifier()) {
            return new ShouldHaveAccuracyGapAtMost(
                    EXPECTING + "but the outputs are not class scores (rank 2 with more "
                            + "than one column), so there is no accuracy to compare: judge the outputs with "
                            + "inferenceMatchesTraining(data, tolerance) instead.%nOutputs: %s.%n%s",
                    unquotedString(allowed),
                    unquotedString(summary),
                    unquotedString(diagnosis));
        }
        if (output.labelledExamples() == 0) {
            String why = output.ignoredLabels().orElse("the probe data has no labels");
            return new ShouldHaveAccuracyGapAtMost(
                    EXPECTING + "but there is no accuracy to compare (%s): probe with "
                            + "labelled data (a DataSet or DataSetIterator with one-hot labels), or judge the predictions "
                            + "with predictionsMatchTraining(data, minAgreement).%nOutputs: %s.%n%s",
                    unquotedString(allowed),
                    unquotedString(why),
                    unquotedString(summary),
                    unquotedString(diagnosis));
        }
        if (!output.allFinite()) {
            return new ShouldHaveAccuracyGapAtMost(
                    EXPECTING + "but %s, so the accuracies mean nothing.%n%s",
                    unquotedString(allowed),
                    unquotedString(summary),
                    unquotedString(diagnosis));
        }
        double gap = 100 * Math.abs(output.trainingAccuracy() - output.inferenceAccuracy());
        String reference = report.reference().kind() == Reference.Kind.CONVERGED_STATISTICS ? "reference" : "training";
        return new ShouldHaveAccuracyGapAtMost(
                EXPECTING + "but %s acc was %s and inference acc %s, a gap of "
                        + "%s points (%s labelled examples): %s.%n%s",
                unquotedString(allowed),
                unquotedString(reference),
                unquotedString(Numbers.percent(output.trainingAccuracy())),
                unquotedString(Numbers.percent(output.inferenceAccuracy())),
                unquotedString(Numbers.number(gap)),
                unquotedString(String.valueOf(output.labelledExamples())),
                unquotedString(summary),
                unquotedString(diagnosis));
    }

    private ShouldHaveAccuracyGapAtMost(String format, Object... arguments) {
        super(format, arguments);
    }
}
