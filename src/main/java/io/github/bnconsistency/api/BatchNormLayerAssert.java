package io.github.bnconsistency.api;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import org.assertj.core.api.AbstractAssert;

import java.util.List;

import static io.github.bnconsistency.api.error.ShouldHaveBatchNormLayer.shouldHaveBatchNormLayer;
import static io.github.bnconsistency.api.error.ShouldHaveLayerStatistics.shouldHaveConvergedStatistics;
import static io.github.bnconsistency.api.error.ShouldHaveLayerStatistics.shouldHaveMeanShiftBelow;
import static io.github.bnconsistency.api.error.ShouldHaveLayerStatistics.shouldHaveVarianceRatioWithin;

/**
 * Assertions on one BatchNormalization layer's finding.
 *
 * <pre>{@code
 * assertThat(model).probedWith(validation)
 *     .batchNormLayer("bn1")
 *     .hasConvergedStatistics()
 *     .hasMeanShiftBelow(0.1)
 *     .hasVarianceRatioWithin(0.9, 1.1);
 * }</pre>
 */
public class BatchNormLayerAssert extends AbstractAssert<BatchNormLayerAssert, LayerFinding> {

    private String missingName;
    private List<String> availableNames = List.of();

    public BatchNormLayerAssert(LayerFinding actual) {
        super(actual, BatchNormLayerAssert.class);
    }

    /** Marks this assert as navigated to a layer the model does not have: every assertion then fails saying so. */
    BatchNormLayerAssert missing(String name, List<String> available) {
        this.missingName = name;
        this.availableNames = List.copyOf(available);
        return this;
    }

    /**
     * Verifies that every channel's normalized divergence is within the tolerance the report was made with, or
     * within the sampling noise of the probe data ({@link LayerStatus#WITHIN_NOISE}).
     */
    public BatchNormLayerAssert hasConvergedStatistics() {
        LayerFinding layer = existing();
        if (!ConsistencyReportAssert.isConverged(layer.status())) {
            throw assertionError(shouldHaveConvergedStatistics(layer));
        }
        return myself;
    }

    /** Verifies that every channel's normalized divergence is within {@code tolerance}. */
    public BatchNormLayerAssert hasConvergedStatistics(double tolerance) {
        LayerFinding layer = BatchNormInspector.atLayerTolerance(existing(), checked(tolerance));
        if (!ConsistencyReportAssert.isConverged(layer.status())) {
            throw assertionError(shouldHaveConvergedStatistics(layer));
        }
        return myself;
    }

    /** Verifies that every channel's mean shift {@code |mu* - mu_M| / s*} is below {@code standardDeviations}. */
    public BatchNormLayerAssert hasMeanShiftBelow(double standardDeviations) {
        LayerFinding layer = existing();
        checked(standardDeviations);
        for (ChannelFinding channel : layer.channels()) {
            if (!(channel.meanShift() < standardDeviations)) {
                throw assertionError(shouldHaveMeanShiftBelow(layer, channel, standardDeviations));
            }
        }
        return myself;
    }

    /** Verifies that every channel's variance ratio {@code (v_M + eps)/(v* + eps)} is in {@code [min, max]}. */
    public BatchNormLayerAssert hasVarianceRatioWithin(double min, double max) {
        LayerFinding layer = existing();
        if (!(min >= 0 && min <= max) || Double.isInfinite(max)) {
            throw new IllegalArgumentException("The variance ratio range must satisfy 0 <= min <= max < Infinity, but was ["
                    + min + ", " + max + "].");
        }
        for (ChannelFinding channel : layer.channels()) {
            if (!(channel.varianceRatio() >= min && channel.varianceRatio() <= max)) {
                throw assertionError(shouldHaveVarianceRatioWithin(layer, channel, min, max));
            }
        }
        return myself;
    }

    private LayerFinding existing() {
        if (missingName != null) {
            throw assertionError(shouldHaveBatchNormLayer(missingName, availableNames));
        }
        isNotNull();
        return actual;
    }

    private static double checked(double tolerance) {
        Tolerances.requireValid(tolerance, "limit");
        return tolerance;
    }
}
