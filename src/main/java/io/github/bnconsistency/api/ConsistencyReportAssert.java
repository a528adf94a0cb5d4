package io.github.bnconsistency.api;

import io.github.bnconsistency.api.internal.ConsistencyChecks;
import io.github.bnconsistency.report.ConsistencyReport;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.SoftAssertionsProvider;
import org.assertj.core.error.ErrorMessageFactory;

/**
 * Assertions on a {@link ConsistencyReport} already made (by {@code BatchNormInspector.inspect}, or by a model
 * assertion). The model assertions and the JUnit extension decide with the same checks, so all give the same
 * messages.
 *
 * <pre>{@code
 * ConsistencyReport report = BatchNormInspector.inspect(model, data);
 * assertThat(report).inferenceMatchesTraining(1e-3).hasConvergedBatchNormStatistics();
 * }</pre>
 */
public class ConsistencyReportAssert extends AbstractAssert<ConsistencyReportAssert, ConsistencyReport> {

    private SoftAssertionsProvider soft;

    /**
     * Creates an assert on a report; {@code BatchNormAssertions.assertThat(report)} is the usual way.
     *
     * @param actual the report under test
     */
    public ConsistencyReportAssert(ConsistencyReport actual) {
        super(actual, ConsistencyReportAssert.class);
    }

    /** Makes navigation ({@link #batchNormLayer}) produce soft assertions collected by {@code provider}. */
    ConsistencyReportAssert collectingInto(SoftAssertionsProvider provider) {
        this.soft = provider;
        return this;
    }

    /**
     * Verifies that the largest {@code |y_reference - y_inference|} over all network outputs is at most
     * {@code tolerance}, or is sampling noise (as {@code assertThat(model).inferenceMatchesTraining}: see
     * {@link io.github.bnconsistency.report.Reference#withinStatisticsNoise()} and
     * {@link io.github.bnconsistency.report.Reference#noise()}), and that both paths' outputs are finite. The failure
     * message names the root-cause layer, lists the diverging layers and says what to do.
     *
     * @param tolerance the largest {@code |y_train - y_inference|} that passes, a positive finite number
     * @return this assertion, for chaining
     */
    public ConsistencyReportAssert inferenceMatchesTraining(double tolerance) {
        isNotNull();
        return verify(ConsistencyChecks.inferenceMatchesTraining(actual, tolerance));
    }

    /**
     * Verifies that of the classified examples the fraction whose inference argmax equals the reference's argmax
     * ({@code report.output().argmaxAgreement()}) is at least {@code minAgreement}, or the change is sampling noise
     * (as for {@link #inferenceMatchesTraining(double)}); outputs that are not class scores, or not finite, fail,
     * saying why.
     *
     * <pre>{@code
     * assertThat(BatchNormInspector.inspect(model, validation)).predictionsMatchTraining(0.99);
     * }</pre>
     *
     * @param minAgreement the smallest fraction of agreeing predictions that passes, in {@code (0, 1]}
     *
     * @return this assertion, for chaining
     */
    public ConsistencyReportAssert predictionsMatchTraining(double minAgreement) {
        isNotNull();
        return verify(ConsistencyChecks.predictionsMatchTraining(actual, minAgreement));
    }

    /**
     * Verifies that {@code |reference accuracy - inference accuracy| <= maxPoints} percentage points on the labelled
     * examples, or that the gap is sampling noise (as for {@link #inferenceMatchesTraining(double)}); a report
     * without labels, or whose outputs are not class scores, fails, saying why.
     *
     * <pre>{@code
     * assertThat(BatchNormInspector.inspect(model, labelledValidation)).hasAccuracyGapAtMost(1.0);
     * }</pre>
     *
     * @param maxPoints the largest gap that passes, in percentage points ({@code 0} to {@code 100})
     *
     * @return this assertion, for chaining
     */
    public ConsistencyReportAssert hasAccuracyGapAtMost(double maxPoints) {
        isNotNull();
        return verify(ConsistencyChecks.hasAccuracyGapAtMost(actual, maxPoints));
    }

    /**
     * Verifies that every BatchNormalization layer's normalized divergence is within the report's layer
     * tolerance, or within the sampling noise of the probe data. Fails for a model without BatchNormalization
     * layers, or with one whose input layout DL4J cannot normalize.
     *
     * @return this assertion, for chaining
     */
    public ConsistencyReportAssert hasConvergedBatchNormStatistics() {
        isNotNull();
        return verify(ConsistencyChecks.hasConvergedBatchNormStatistics(actual));
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics()} with another per-layer tolerance.
     *
     * @param layerTolerance the normalized divergence above which a layer counts as off, a positive finite number
     * @return this assertion, for chaining
     */
    public ConsistencyReportAssert hasConvergedBatchNormStatistics(double layerTolerance) {
        isNotNull();
        return verify(ConsistencyChecks.hasConvergedBatchNormStatistics(actual, layerTolerance));
    }

    /**
     * Verifies that no lint rule found a reason why the statistics cannot or will not converge (gradient
     * normalization on BatchNormalization, a frozen layer that does not match the data, a decay too high for the
     * iterations trained, single-example dense batches, an input layout DL4J cannot normalize).
     *
     * @return this assertion, for chaining
     */
    public ConsistencyReportAssert passesBatchNormLint() {
        isNotNull();
        return verify(ConsistencyChecks.passesBatchNormLint(actual.lint()));
    }

    /**
     * Navigates to the BatchNormalization layer named {@code name}. A name the report has no layer by fails here,
     * listing the layers there are (soft assertions collect that failure and skip the layer's assertions).
     *
     * @param name the layer's name (the vertex name in a ComputationGraph)
     * @return assertions on that layer's finding
     */
    public BatchNormLayerAssert batchNormLayer(String name) {
        AssertionState.requireLayerName(name);
        isNotNull();
        Optional<ErrorMessageFactory> missing = ConsistencyChecks.hasBatchNormLayer(actual, name);
        if (missing.isPresent()) {
            AssertionState.failOrCollect(soft, assertionError(missing.get()));
        }
        return AssertionState.layerAssert(soft, actual.layer(name).orElse(null), this, null);
    }

    /** Throws this assert's own failure (AssertJ strips its frames) when the check failed. */
    private ConsistencyReportAssert verify(Optional<ErrorMessageFactory> failure) {
        if (failure.isPresent()) {
            throw assertionError(failure.get());
        }
        return myself;
    }
}
