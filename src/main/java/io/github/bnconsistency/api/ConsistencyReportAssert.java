package io.github.bnconsistency.api;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.api.error.ShouldPassBatchNormLint;
import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerStatus;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.SoftAssertionsProvider;

import static io.github.bnconsistency.api.error.ShouldHaveConvergedStatistics.shouldHaveConvergedStatistics;
import static io.github.bnconsistency.api.error.ShouldMatchTrainingOutputs.shouldMatchTrainingOutputs;

/**
 * Assertions on a {@link ConsistencyReport} already made (by {@code BatchNormInspector.inspect}, or by a model
 * assertion). The model assertions delegate here, so both give the same messages.
 *
 * <pre>{@code
 * ConsistencyReport report = BatchNormInspector.inspect(model, data);
 * assertThat(report).inferenceMatchesTraining(1e-3).hasConvergedBatchNormStatistics();
 * }</pre>
 */
public class ConsistencyReportAssert extends AbstractAssert<ConsistencyReportAssert, ConsistencyReport> {

    private SoftAssertionsProvider soft;

    public ConsistencyReportAssert(ConsistencyReport actual) {
        super(actual, ConsistencyReportAssert.class);
    }

    /** Makes navigation ({@link #batchNormLayer}) produce soft assertions collected by {@code provider}. */
    ConsistencyReportAssert collectingInto(SoftAssertionsProvider provider) {
        this.soft = provider;
        return this;
    }

    /**
     * Verifies that the largest {@code |y_train - y_inference|} over all network outputs is at most
     * {@code tolerance}, and that both paths' outputs are finite. The failure message names the root-cause layer,
     * lists the diverging layers and says what to do.
     */
    public ConsistencyReportAssert inferenceMatchesTraining(double tolerance) {
        isNotNull();
        Tolerances.requireValid(tolerance, "output tolerance");
        if (!actual.output().isMeasured()) {
            throw new IllegalArgumentException("This report compares no outputs (it was made from the training path "
                    + "alone, e.g. by a recalibration): check the model with BatchNormInspector.inspect or "
                    + "assertThat(model).inferenceMatchesTraining(data, tolerance).");
        }
        if (!(actual.output().maxAbsDifference() <= tolerance)) {
            throw assertionError(shouldMatchTrainingOutputs(actual, tolerance));
        }
        return myself;
    }

    /**
     * Verifies that every BatchNormalization layer's normalized divergence is within the report's layer
     * tolerance, or within the sampling noise of the probe data. Fails for a model without BatchNormalization
     * layers, or with one whose input layout DL4J cannot normalize.
     */
    public ConsistencyReportAssert hasConvergedBatchNormStatistics() {
        isNotNull();
        failUnlessConverged(actual);
        return myself;
    }

    /** As {@link #hasConvergedBatchNormStatistics()} with another per-layer tolerance. */
    public ConsistencyReportAssert hasConvergedBatchNormStatistics(double layerTolerance) {
        isNotNull();
        failUnlessConverged(BatchNormInspector.atLayerTolerance(actual, layerTolerance));
        return myself;
    }

    private void failUnlessConverged(ConsistencyReport report) {
        if (!report.hasBatchNormLayers() || report.layers().stream().anyMatch(l -> !isConverged(l.status()))) {
            throw assertionError(shouldHaveConvergedStatistics(report));
        }
    }

    /**
     * Verifies that no lint rule found a reason why the statistics cannot or will not converge (gradient
     * normalization on BatchNormalization, a frozen layer that does not match the data, a decay too high for the
     * iterations trained, single-example dense batches, an input layout DL4J cannot normalize).
     */
    public ConsistencyReportAssert passesBatchNormLint() {
        isNotNull();
        if (!actual.lint().isEmpty()) {
            throw assertionError(ShouldPassBatchNormLint.shouldPassBatchNormLint(actual.lint()));
        }
        return myself;
    }

    /** Converged, or within the sampling noise of the probe data. */
    static boolean isConverged(LayerStatus status) {
        return status == LayerStatus.CONVERGED || status == LayerStatus.WITHIN_NOISE;
    }

    /**
     * Navigates to the BatchNormalization layer named {@code name}. When there is no such layer, every assertion on
     * the returned assert fails with a message listing the layers there are.
     */
    public BatchNormLayerAssert batchNormLayer(String name) {
        if (name == null) {
            throw new IllegalArgumentException("The layer name is null: pass the name of a BatchNormalization layer "
                    + "(the vertex name in a ComputationGraph).");
        }
        isNotNull();
        BatchNormLayerAssert layer = AssertionState.layerAssert(soft, actual.layer(name).orElse(null));
        AssertionState.inherit(layer, this);
        return actual.layer(name).isPresent() ? layer : layer.missing(name, actual.layerNames());
    }
}
