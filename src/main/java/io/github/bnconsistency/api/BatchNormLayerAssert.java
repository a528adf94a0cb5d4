package io.github.bnconsistency.api;

import io.github.bnconsistency.api.internal.ConsistencyChecks;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import java.util.Optional;
import java.util.function.Function;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.error.ErrorMessageFactory;

/**
 * Assertions on one BatchNormalization layer's finding. Reached from a model assert, it reads that assert's report
 * and {@link #returnToModel()} goes back to it.
 *
 * <pre>{@code
 * assertThat(model).probedWith(validation)
 *     .batchNormLayer("bn1")
 *     .hasConvergedStatistics()
 *     .hasMeanShiftBelow(0.1)
 *     .hasVarianceRatioWithin(0.9, 1.1)
 *     .returnToModel()
 *     .batchNormLayer("bn2").hasConvergedStatistics();
 * }</pre>
 */
public class BatchNormLayerAssert extends AbstractAssert<BatchNormLayerAssert, LayerFinding> {

    private AbstractModelAssert<?, ?> model;
    private boolean skipped;

    /**
     * Creates an assert on one layer's finding.
     *
     * @param actual the layer's finding under test
     */
    public BatchNormLayerAssert(LayerFinding actual) {
        super(actual, BatchNormLayerAssert.class);
    }

    /**
     * Records where the navigation came from: the model assert to return to (null from a report), and whether the
     * layer is missing in soft mode (its failure collected already), which skips the assertions that follow.
     */
    BatchNormLayerAssert navigatedFrom(AbstractModelAssert<?, ?> model, boolean skipped) {
        this.model = model;
        this.skipped = skipped;
        return this;
    }

    /**
     * Verifies that every channel's normalized divergence is within the tolerance the report was made with, or
     * within the sampling noise of the probe data ({@link LayerStatus#WITHIN_NOISE}).
     *
     * @return this assertion, for chaining
     */
    public BatchNormLayerAssert hasConvergedStatistics() {
        return verify(ConsistencyChecks::hasConvergedStatistics);
    }

    /**
     * Verifies that every channel's normalized divergence is within {@code tolerance}.
     *
     * @param tolerance the largest normalized divergence that passes
     * @return this assertion, for chaining
     */
    public BatchNormLayerAssert hasConvergedStatistics(double tolerance) {
        return verify(layer -> ConsistencyChecks.hasConvergedStatistics(layer, tolerance));
    }

    /**
     * Verifies that every channel's mean shift {@code |mu* - mu_M| / s*} is below {@code standardDeviations}.
     *
     * @param standardDeviations the mean shift, in batch standard deviations, that every channel must stay below
     * @return this assertion, for chaining
     */
    public BatchNormLayerAssert hasMeanShiftBelow(double standardDeviations) {
        return verify(layer -> ConsistencyChecks.hasMeanShiftBelow(layer, standardDeviations));
    }

    /**
     * Verifies that every channel's variance ratio {@code (v_M + eps)/(v* + eps)} is in {@code [min, max]}.
     *
     * @param min the smallest variance ratio that passes
     * @param max the largest variance ratio that passes
     * @return this assertion, for chaining
     */
    public BatchNormLayerAssert hasVarianceRatioWithin(double min, double max) {
        return verify(layer -> ConsistencyChecks.hasVarianceRatioWithin(layer, min, max));
    }

    /**
     * Returns to the model assert this layer was navigated to from, with the inspection it already made: checking
     * several layers, or the whole model after a layer, runs the model once.
     *
     * <pre>{@code
     * assertThat(model).probedWith(validation)
     *     .batchNormLayer("bn1").hasMeanShiftBelow(0.1).returnToModel()
     *     .batchNormLayer("bn2").hasMeanShiftBelow(0.1).returnToModel()
     *     .hasConvergedBatchNormStatistics();
     * }</pre>
     *
     * @throws IllegalStateException when this assert was not reached by {@code batchNormLayer(name)} on a model
     *                               assert (but from a report, or by {@code assertThat(layerFinding)})
     *
     * @return assertions on that layer's finding
     */
    public AbstractModelAssert<?, ?> returnToModel() {
        if (model == null) {
            throw new IllegalStateException("This layer assert was not reached by batchNormLayer(name) on "
                    + "assertThat(model), so there is no model assert to return to: keep the assert you navigated from "
                    + "and call batchNormLayer(name) on it again (the report is not made again).");
        }
        return model;
    }

    /**
     * Runs one check on the layer and throws this assert's own failure (AssertJ strips its frames) when it failed;
     * skipped for a missing layer whose failure soft assertions collected at the navigation.
     */
    private BatchNormLayerAssert verify(Function<LayerFinding, Optional<ErrorMessageFactory>> check) {
        if (skipped) {
            return myself;
        }
        isNotNull();
        Optional<ErrorMessageFactory> failure = check.apply(actual);
        if (failure.isPresent()) {
            throw assertionError(failure.get());
        }
        return myself;
    }
}
