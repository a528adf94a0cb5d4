package io.github.bnconsistency.api;

import io.github.bnconsistency.api.internal.ConsistencyChecks;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.error.ErrorMessageFactory;

import java.util.List;
import java.util.Optional;

import static io.github.bnconsistency.api.error.ShouldHaveBatchNormLayer.shouldHaveBatchNormLayer;

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
        return verify(ConsistencyChecks.hasConvergedStatistics(existing()));
    }

    /** Verifies that every channel's normalized divergence is within {@code tolerance}. */
    public BatchNormLayerAssert hasConvergedStatistics(double tolerance) {
        return verify(ConsistencyChecks.hasConvergedStatistics(existing(), tolerance));
    }

    /** Verifies that every channel's mean shift {@code |mu* - mu_M| / s*} is below {@code standardDeviations}. */
    public BatchNormLayerAssert hasMeanShiftBelow(double standardDeviations) {
        return verify(ConsistencyChecks.hasMeanShiftBelow(existing(), standardDeviations));
    }

    /** Verifies that every channel's variance ratio {@code (v_M + eps)/(v* + eps)} is in {@code [min, max]}. */
    public BatchNormLayerAssert hasVarianceRatioWithin(double min, double max) {
        return verify(ConsistencyChecks.hasVarianceRatioWithin(existing(), min, max));
    }

    private LayerFinding existing() {
        if (missingName != null) {
            throw assertionError(shouldHaveBatchNormLayer(missingName, availableNames));
        }
        isNotNull();
        return actual;
    }

    /** Throws this assert's own failure (AssertJ strips its frames) when the check failed. */
    private BatchNormLayerAssert verify(Optional<ErrorMessageFactory> failure) {
        if (failure.isPresent()) {
            throw assertionError(failure.get());
        }
        return myself;
    }
}
