package io.github.bnconsistency.api.internal;

import static io.github.bnconsistency.api.error.ShouldHaveAccuracyGapAtMost.shouldHaveAccuracyGapAtMost;
import static io.github.bnconsistency.api.error.ShouldHaveBatchNormLayer.shouldHaveBatchNormLayer;
import static io.github.bnconsistency.api.error.ShouldHaveConvergedStatistics.shouldHaveConvergedStatistics;
import static io.github.bnconsistency.api.error.ShouldMatchTrainingOutputs.shouldMatchTrainingOutputs;
import static io.github.bnconsistency.api.error.ShouldMatchTrainingPredictions.shouldMatchTrainingPredictions;
import static io.github.bnconsistency.api.error.ShouldPassBatchNormLint.shouldPassBatchNormLint;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.api.error.ShouldHaveLayerStatistics;
import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.LintFinding;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.OutputNoise;
import java.util.List;
import java.util.Optional;
import org.assertj.core.error.ErrorMessageFactory;

/**
 * The one place that decides each verdict: every check returns nothing when it passes and the failure's message
 * factory when it does not. The assert classes throw {@code assertionError(factory)} with it (so AssertJ words the
 * message with their description and strips their frames) and the JUnit extension builds its failure from the
 * same factory, so the assertion and the extension cannot disagree on the verdict or the words. Internal: not API.
 *
 * <pre>{@code
 * ConsistencyReport report = BatchNormInspector.inspect(model, data);
 * Optional<ErrorMessageFactory> failure = ConsistencyChecks.inferenceMatchesTraining(report, 1e-3);
 * failure.ifPresent(factory -> System.out.println(factory.create()));
 * }</pre>
 */
public final class ConsistencyChecks {

    private ConsistencyChecks() {}

    /**
     * Whether the largest {@code |y_train - y_inference|} over the network outputs is at most {@code tolerance} (both
     * paths' outputs finite), or is sampling noise: within the measured output noise, or caused by statistics within
     * their noise on every channel ({@link #withinStatisticsNoise}).
     *
     * @throws IllegalArgumentException for a tolerance that is not positive and finite, or a report that compares
     *                                  no outputs (made by a recalibration from the training path alone)
     */
    public static Optional<ErrorMessageFactory> inferenceMatchesTraining(ConsistencyReport report, double tolerance) {
        Tolerances.requireValid(tolerance, "output tolerance");
        requireOutputs(report);
        double difference = report.output().maxAbsDifference();
        boolean noise = noiseDecides(report, n -> difference <= n.maxAbsDifference());
        return difference <= tolerance || noise
                ? Optional.empty()
                : Optional.of(shouldMatchTrainingOutputs(report, tolerance));
    }

    /**
     * Whether, of the classified examples (class scores: rank-2 outputs with more than one column), the fraction whose
     * inference argmax equals the reference's ({@link io.github.bnconsistency.report.OutputDivergence#argmaxAgreement()})
     * is at least {@code minAgreement}. Outputs that are not class scores, or not finite, fail: there are no
     * predictions to judge.
     *
     * <pre>{@code
     * ConsistencyChecks.predictionsMatchTraining(report, 0.99).ifPresent(f -> System.out.println(f.create()));
     * }</pre>
     *
     * @throws IllegalArgumentException for {@code minAgreement} outside {@code (0, 1]}, or a report that compares no
     *                                  outputs
     */
    public static Optional<ErrorMessageFactory> predictionsMatchTraining(
            ConsistencyReport report, double minAgreement) {
        requireValidAgreement(minAgreement);
        requireOutputs(report);
        OutputDivergence output = report.output();
        boolean noise = noiseDecides(report, n -> 1 - output.argmaxAgreement() <= n.disagreement());
        boolean agrees =
                output.isClassifier() && output.allFinite() && (output.argmaxAgreement() >= minAgreement || noise);
        return agrees ? Optional.empty() : Optional.of(shouldMatchTrainingPredictions(report, minAgreement));
    }

    /**
     * Whether the reference's accuracy and the inference accuracy on the labelled examples differ by at most
     * {@code maxPoints} percentage points. Outputs that are not class scores, data without (usable) labels, or
     * non-finite outputs fail: there is no accuracy to judge.
     *
     * <pre>{@code
     * ConsistencyChecks.hasAccuracyGapAtMost(report, 1.0).ifPresent(f -> System.out.println(f.create()));
     * }</pre>
     *
     * @throws IllegalArgumentException for {@code maxPoints} outside {@code [0, 100]}, or a report that compares no
     *                                  outputs
     */
    public static Optional<ErrorMessageFactory> hasAccuracyGapAtMost(ConsistencyReport report, double maxPoints) {
        if (!(maxPoints >= 0 && maxPoints <= 100)) {
            throw new IllegalArgumentException("The accuracy gap must be between 0 and 100 percentage points, but was "
                    + maxPoints + ": pass e.g. 1.0 to allow one point between training and inference accuracy.");
        }
        requireOutputs(report);
        OutputDivergence output = report.output();
        double gap = Math.abs(output.trainingAccuracy() - output.inferenceAccuracy());
        boolean noise = noiseDecides(report, n -> gap <= n.accuracyGap());
        boolean within = output.isClassifier()
                && output.labelledExamples() > 0
                && output.allFinite()
                && (100 * gap <= maxPoints || noise);
        return within ? Optional.empty() : Optional.of(shouldHaveAccuracyGapAtMost(report, maxPoints));
    }

    /** Rejects a minimum agreement outside {@code (0, 1]}, naming the fix. */
    public static double requireValidAgreement(double minAgreement) {
        if (!(minAgreement > 0 && minAgreement <= 1)) {
            throw new IllegalArgumentException("The minimum prediction agreement must be a fraction in (0, 1], but was "
                    + minAgreement + ": pass e.g. 0.99 for 99% of the classified examples.");
        }
        return minAgreement;
    }

    /**
     * The output noise a difference may be put down to: measured, and every layer measured and within tolerance or
     * its noise at the report's layer tolerance (re-judged reports included), so that no layer is, or may be, off.
     */
    public static Optional<OutputNoise> noise(ConsistencyReport report) {
        boolean layersWithinNoise = report.layers().stream().allMatch(l -> isConverged(l.status()));
        return layersWithinNoise ? report.reference().noise() : Optional.empty();
    }

    /**
     * Whether sampling noise explains the difference: the measured output noise decides when there is one (within
     * it by {@code within}), else statistics within their noise on every channel ({@link #withinStatisticsNoise}).
     */
    private static boolean noiseDecides(ConsistencyReport report, java.util.function.Predicate<OutputNoise> within) {
        Optional<OutputNoise> band = noise(report);
        return band.isPresent() ? within.test(band.get()) : withinStatisticsNoise(report);
    }

    /**
     * Whether the output difference is the sampling noise of statistics within their noise on every channel
     * ({@link io.github.bnconsistency.report.Reference#withinStatisticsNoise()}), every layer still converged or within
     * noise at the report's layer tolerance.
     */
    public static boolean withinStatisticsNoise(ConsistencyReport report) {
        return report.reference().withinStatisticsNoise()
                && report.layers().stream().allMatch(l -> isConverged(l.status()));
    }

    private static void requireOutputs(ConsistencyReport report) {
        if (!report.output().isMeasured()) {
            throw new IllegalArgumentException("This report compares no outputs (it was made from the training path "
                    + "alone, e.g. by a recalibration): check the model with BatchNormInspector.inspect or "
                    + "assertThat(model).inferenceMatchesTraining(data, tolerance).");
        }
    }

    /**
     * Whether the report has BatchNormalization layers and every one is converged at the report's layer tolerance or
     * within the sampling noise of the probe data.
     */
    public static Optional<ErrorMessageFactory> hasConvergedBatchNormStatistics(ConsistencyReport report) {
        boolean converged =
                report.hasBatchNormLayers() && report.layers().stream().allMatch(layer -> isConverged(layer.status()));
        return converged ? Optional.empty() : Optional.of(shouldHaveConvergedStatistics(report));
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics(ConsistencyReport)} with every layer judged at
     * {@code layerTolerance}.
     */
    public static Optional<ErrorMessageFactory> hasConvergedBatchNormStatistics(
            ConsistencyReport report, double layerTolerance) {
        return hasConvergedBatchNormStatistics(BatchNormInspector.atLayerTolerance(report, layerTolerance));
    }

    /** Whether no lint rule found a reason why the statistics cannot or will not converge. */
    public static Optional<ErrorMessageFactory> passesBatchNormLint(List<LintFinding> findings) {
        return findings.isEmpty() ? Optional.empty() : Optional.of(shouldPassBatchNormLint(findings));
    }

    /** Whether the report has a BatchNormalization layer named {@code name}; the failure lists the layers there are. */
    public static Optional<ErrorMessageFactory> hasBatchNormLayer(ConsistencyReport report, String name) {
        return report.layer(name).isPresent()
                ? Optional.empty()
                : Optional.of(shouldHaveBatchNormLayer(name, report.layerNames()));
    }

    /** Whether the layer is converged at the tolerance it was judged with, or within the sampling noise. */
    public static Optional<ErrorMessageFactory> hasConvergedStatistics(LayerFinding layer) {
        return isConverged(layer.status())
                ? Optional.empty()
                : Optional.of(ShouldHaveLayerStatistics.shouldHaveConvergedStatistics(layer));
    }

    /** As {@link #hasConvergedStatistics(LayerFinding)} with the layer judged at {@code tolerance}. */
    public static Optional<ErrorMessageFactory> hasConvergedStatistics(LayerFinding layer, double tolerance) {
        Tolerances.requireValid(tolerance, "limit");
        return hasConvergedStatistics(BatchNormInspector.atLayerTolerance(layer, tolerance));
    }

    /** Whether every channel's mean shift {@code |mu* - mu_M| / s*} is below {@code standardDeviations}. */
    public static Optional<ErrorMessageFactory> hasMeanShiftBelow(LayerFinding layer, double standardDeviations) {
        Tolerances.requireValid(standardDeviations, "limit");
        for (ChannelFinding channel : layer.channels()) {
            if (!(channel.meanShift() < standardDeviations)) {
                return Optional.of(
                        ShouldHaveLayerStatistics.shouldHaveMeanShiftBelow(layer, channel, standardDeviations));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether every channel's variance ratio {@code (v_M + eps)/(v* + eps)} is in {@code [min, max]}.
     *
     * @throws IllegalArgumentException unless {@code 0 <= min <= max < Infinity}
     */
    public static Optional<ErrorMessageFactory> hasVarianceRatioWithin(LayerFinding layer, double min, double max) {
        if (!(min >= 0 && min <= max) || Double.isInfinite(max)) {
            throw new IllegalArgumentException("The variance ratio range must satisfy 0 <= min <= max < Infinity, "
                    + "but was [" + min + ", " + max + "].");
        }
        for (ChannelFinding channel : layer.channels()) {
            if (!(channel.varianceRatio() >= min && channel.varianceRatio() <= max)) {
                return Optional.of(ShouldHaveLayerStatistics.shouldHaveVarianceRatioWithin(layer, channel, min, max));
            }
        }
        return Optional.empty();
    }

    /** Converged, or within the sampling noise of the probe data. */
    public static boolean isConverged(LayerStatus status) {
        return status.isConverged();
    }
}
