package io.github.bnconsistency.api.error;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.Numbers;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.TextReport;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/**
 * The inference predictions (argmax of the class scores) agree with the reference's on fewer examples than
 * required, or there are no predictions to compare (outputs that are not class scores, or not finite).
 *
 * <pre>{@code
 * ErrorMessageFactory failure = ShouldMatchTrainingPredictions.shouldMatchTrainingPredictions(report, 0.99);
 * System.out.println(failure.create());
 * }</pre>
 */
public class ShouldMatchTrainingPredictions extends BasicErrorMessageFactory {

    private static final String EXPECTING = "%nExpecting inference predictions to match training predictions on at "
            + "least %s of the classified examples,%n";

    /**
     * The failure for {@code report} judged at {@code minAgreement}: the agreement it found, or why there is none
     * to judge (outputs that are not class scores, non-finite outputs), then the output summary and the diagnosis.
     *
     * <pre>{@code
     * shouldMatchTrainingPredictions(report, 0.99).create();
     * // "Expecting inference predictions to match training predictions on at least 99% ... but they matched on 4/12"
     * }</pre>
     *
     * @param report the report
     * @param minAgreement the smallest fraction of classified examples whose inference argmax must equal the reference's, in {@code (0, 1]}
     * @return the factory of the failure message
     */
    public static ErrorMessageFactory shouldMatchTrainingPredictions(ConsistencyReport report, double minAgreement) {
        OutputDivergence output = report.output();
        String required = Numbers.percent(minAgreement);
        if (!output.isClassifier()) {
            return new ShouldMatchTrainingPredictions(
                    EXPECTING + "but the outputs are not class scores (rank 2 with "
                            + "more than one column), so there are no predictions to compare: judge the outputs with "
                            + "inferenceMatchesTraining(data, tolerance) instead.%nOutputs: %s.%n%s",
                    unquotedString(required),
                    unquotedString(TextReport.outputSummary(report)),
                    unquotedString(TextReport.diagnosis(report)));
        }
        if (!output.allFinite()) {
            return new ShouldMatchTrainingPredictions(
                    EXPECTING + "but %s, so the predictions mean nothing.%n%s",
                    unquotedString(required),
                    unquotedString(TextReport.outputSummary(report)),
                    unquotedString(TextReport.diagnosis(report)));
        }
        return new ShouldMatchTrainingPredictions(
                EXPECTING + "but they matched on %s/%s (%s): %s.%n%s",
                unquotedString(required),
                unquotedString(String.valueOf(output.argmaxAgreements())),
                unquotedString(String.valueOf(output.classifiedExamples())),
                unquotedString(Numbers.percent(output.argmaxAgreement())),
                unquotedString(TextReport.outputSummary(report)),
                unquotedString(TextReport.diagnosis(report)));
    }

    private ShouldMatchTrainingPredictions(String format, Object... arguments) {
        super(format, arguments);
    }
}
