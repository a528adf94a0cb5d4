package io.github.bnconsistency.scenario;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.TextReport;
import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * What the library says today about one model on one probe form, through its public API only (the engine behind
 * it is being rewritten, the harness must not depend on it).
 *
 * @param matchesTraining  {@code inferenceMatchesTraining(data, 1e-3)}
 * @param maxAbsDifference the report's max |train - inference| (today's reference is the raw training path)
 * @param converged        {@code hasConvergedBatchNormStatistics(data)}
 * @param statuses         each BN layer's status, in order
 * @param maxDivergence    the largest layer divergence D over the layers
 * @param trainLonger      whether the text report advises to "train ~N more"
 * @param argmaxAgreement  the report's argmax agreement between inference and its reference outputs
 * @param predictionsMatch {@code predictionsMatchTraining(0.99)} on the same report
 * @param error            the first unexpected exception's message, or empty
 */
record LibraryVerdicts(
        Check matchesTraining,
        double maxAbsDifference,
        Check converged,
        List<LayerStatus> statuses,
        double maxDivergence,
        boolean trainLonger,
        double argmaxAgreement,
        Check predictionsMatch,
        String error) {

    static final double OUTPUT_TOLERANCE = 1e-3;

    /** The prediction check's bar: the same 99% the truth sets for a consistent model. */
    static final double PREDICTION_AGREEMENT = 0.99;

    /** Runs the checks, each on fresh probe data from {@code data}. */
    static LibraryVerdicts of(MultiLayerNetwork model, Supplier<Object> data) {
        ConsistencyReport report;
        try {
            report = BatchNormInspector.inspect(model, ProbeData.from(data.get()));
        } catch (RuntimeException e) {
            return new LibraryVerdicts(
                    Check.ERROR,
                    Double.NaN,
                    Check.ERROR,
                    List.of(),
                    Double.NaN,
                    false,
                    Double.NaN,
                    Check.ERROR,
                    String.valueOf(e));
        }
        String[] error = {""};
        Check matches = check(error, () -> {
            Object d = data.get();
            if (d instanceof DataSet ds) {
                assertThat(model).inferenceMatchesTraining(ds, OUTPUT_TOLERANCE);
            } else {
                assertThat(model).inferenceMatchesTraining((DataSetIterator) d, OUTPUT_TOLERANCE);
            }
        });
        Check converged = check(error, () -> {
            Object d = data.get();
            if (d instanceof DataSet ds) {
                assertThat(model).hasConvergedBatchNormStatistics(ds);
            } else {
                assertThat(model).hasConvergedBatchNormStatistics((DataSetIterator) d);
            }
        });
        ConsistencyReport inspected = report;
        Check predictionsMatch =
                check(error, () -> assertThat(inspected).predictionsMatchTraining(PREDICTION_AGREEMENT));
        double maxDivergence = report.layers().stream()
                .mapToDouble(LayerFinding::maxDivergence)
                .max()
                .orElse(Double.NaN);
        return new LibraryVerdicts(
                matches,
                report.output().maxAbsDifference(),
                converged,
                report.layers().stream().map(LayerFinding::status).toList(),
                maxDivergence,
                TextReport.render(report).contains("train ~"),
                report.output().argmaxAgreement(),
                predictionsMatch,
                error[0]);
    }

    /** The library's prediction check, {@code predictionsMatchTraining(0.99)}. */
    Check predictions() {
        return predictionsMatch;
    }

    /** One letter per layer: C converged, w within noise, N not converged, X corrupted, U unsupported, in order. */
    String statusCodes() {
        StringBuilder sb = new StringBuilder();
        for (LayerStatus status : statuses) {
            sb.append(
                    switch (status) {
                        case CONVERGED -> 'C';
                        case WITHIN_NOISE -> 'w';
                        case NOT_CONVERGED -> 'N';
                        case CORRUPTED -> 'X';
                        case UNSUPPORTED -> 'U';
                        // statuses the engine may add later show by their initial
                        default -> status.name().charAt(0);
                    });
        }
        return sb.toString();
    }

    private static Check check(String[] error, Runnable assertion) {
        try {
            assertion.run();
            return Check.PASS;
        } catch (AssertionError e) {
            return Check.FAIL;
        } catch (RuntimeException e) {
            if (error[0].isEmpty()) {
                error[0] = String.valueOf(e);
            }
            return Check.ERROR;
        }
    }
}
