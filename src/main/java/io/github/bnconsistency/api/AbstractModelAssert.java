package io.github.bnconsistency.api;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.api.internal.ConsistencyChecks;
import io.github.bnconsistency.lint.BatchNormLint;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LintFinding;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.SoftAssertionsProvider;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Assertions on a DL4J model's BatchNormalization consistency, shared by {@link MultiLayerNetworkAssert} and
 * {@link ComputationGraphAssert}. The model is checked once per probe data (two forward passes per batch) and the
 * report is reused by every assertion that follows in the chain, so an iterator is consumed only once:
 *
 * <pre>{@code
 * assertThat(model)
 *     .inferenceMatchesTraining(validationIterator, 1e-3)   // checks the model
 *     .hasConvergedBatchNormStatistics()                    // reuses that check
 *     .batchNormLayer("bn1").hasMeanShiftBelow(0.1)         // and so does every layer
 *     .returnToModel()
 *     .batchNormLayer("bn2").hasMeanShiftBelow(0.1);
 * }</pre>
 *
 * Nothing in the model changes: parameters, updater state, counters and configuration stay bit-identical.
 *
 * @param <SELF>   the assert's own type
 * @param <ACTUAL> the model type
 */
public abstract class AbstractModelAssert<SELF extends AbstractModelAssert<SELF, ACTUAL>, ACTUAL extends Model>
        extends AbstractAssert<SELF, ACTUAL> {

    private Object probeSource;
    private ProbeData probe;
    private ConsistencyReport report;
    private InspectionOptions options = InspectionOptions.defaults();
    private SoftAssertionsProvider soft;

    /**
     * Creates an assert on {@code actual}.
     *
     * @param actual   the model under test
     * @param selfType the concrete assert class, as AssertJ's {@code AbstractAssert} takes it
     */
    protected AbstractModelAssert(ACTUAL actual, Class<?> selfType) {
        super(actual, selfType);
        this.modelKind = selfType.getSimpleName().replaceFirst("Assert$", "");
    }

    /** What the assert checks, for messages: {@code MultiLayerNetwork} or {@code ComputationGraph}. */
    private final String modelKind;

    /**
     * Fails, saying what is null and what to pass, when there is no model: AssertJ's own "Expecting actual not to
     * be null" does not say which of the values a test handed over was null.
     */
    private void requireModel() {
        if (actual == null) {
            throw assertionError(new BasicErrorMessageFactory("%nThe model to check is null: assertThat(...) got a "
                    + "null " + modelKind + ". Pass the trained, initialized model (after model.init() or a load), "
                    + "e.g. the field your test trains."));
        }
    }

    /** Makes navigation produce soft assertions collected by {@code provider}. */
    @SuppressWarnings("unchecked")
    SELF collectingInto(SoftAssertionsProvider provider) {
        this.soft = provider;
        return (SELF) this;
    }

    /**
     * Sets the mini-batch size the model was trained with, for the inspections the following assertions make: the
     * moving statistics converge to the statistics of batches of that size, so the outputs are compared with a
     * reference normalizing with the target statistics of {@code batchSize}-example batches (the training path
     * itself when the probe is one batch of that size). Not given, the probe's batch size is taken for it.
     *
     * <pre>{@code
     * assertThat(model).trainedWithBatchSize(16).inferenceMatchesTraining(validation, 1e-3);
     * }</pre>
     *
     * Setting another batch size after an assertion has inspected the model makes the next assertion inspect it
     * again (so a one-shot iterator must be passed anew); setting the same one keeps the report.
     *
     * @param batchSize the batch size your training iterator yields, at least 2
     * @throws IllegalArgumentException for a batch size below 2
     *
     * @return this assertion, for chaining
     */
    public SELF trainedWithBatchSize(int batchSize) {
        if (batchSize < 2) {
            throw new IllegalArgumentException("The training batch size must be at least 2, but was " + batchSize
                    + ": pass the mini-batch size your training iterator yields, or leave trainedWithBatchSize out to "
                    + "take the probe's batch size for it.");
        }
        if (batchSize != options.trainingBatchSize()) {
            options = options.withTrainingBatchSize(batchSize);
            report = null;
        }
        return myself;
    }

    /**
     * Sets the data the following assertions check the model on: one batch of features.
     *
     * @param features the features of one mini-batch, for a model with one input
     * @return this assertion, for chaining
     */
    public SELF probedWith(INDArray features) {
        return using(features, ProbeData.of(features));
    }

    /**
     * Sets the data the following assertions check the model on: one batch with labels.
     *
     * @param data one mini-batch with labels
     * @return this assertion, for chaining
     */
    public SELF probedWith(DataSet data) {
        return using(data, ProbeData.of(data));
    }

    /**
     * Sets the data the following assertions check the model on: every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @return this assertion, for chaining
     */
    public SELF probedWith(DataSetIterator data) {
        return using(data, ProbeData.of(data));
    }

    /**
     * Sets the data the following assertions check the model on: one multi-input batch.
     *
     * @param data one mini-batch for a graph with one or more inputs
     * @return this assertion, for chaining
     */
    public SELF probedWith(MultiDataSet data) {
        return using(data, ProbeData.of(data));
    }

    /**
     * Sets the data the following assertions check the model on: every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @return this assertion, for chaining
     */
    public SELF probedWith(MultiDataSetIterator data) {
        return using(data, ProbeData.of(data));
    }

    /**
     * Sets the data the following assertions check the model on. Every other form of probe data comes here, and
     * so do the assertions that take data.
     *
     * @param data the probe data
     * @return this assertion, for chaining
     */
    public SELF probedWith(ProbeData data) {
        if (data == null) {
            throw new IllegalArgumentException("The probe data is null: pass the data to check the model on.");
        }
        return using(data, data);
    }

    /**
     * Verifies that on the probe data the model's inference outputs are within {@code tolerance} of the reference
     * outputs (max absolute difference over every output value): those of the model with every BatchNormalization
     * layer normalizing with the target statistics of training-size batches, i.e. an exactly converged model (for one
     * probe batch of the training size, its training path). Dropout and weight noise are left out, so a difference
     * comes from BatchNormalization (or numerical precision). A difference beyond the tolerance still passes when it
     * is sampling noise: every layer's statistics within their noise on every channel
     * ({@link io.github.bnconsistency.report.Reference#withinStatisticsNoise()}), or the outputs within the measured
     * output noise ({@link io.github.bnconsistency.report.Reference#noise()}). On failure the message names the
     * root-cause layer, how far each layer is off, how many iterations it still needs and what to do.
     *
     * @param tolerance the largest {@code |y_train - y_inference|} that passes, a positive finite number
     * @return this assertion, for chaining
     */
    public SELF inferenceMatchesTraining(double tolerance) {
        return verify(ConsistencyChecks.inferenceMatchesTraining(report(), tolerance));
    }

    /**
     * As {@link #inferenceMatchesTraining(double)} on one batch of features.
     *
     * @param features the features of one mini-batch, for a model with one input
     * @param tolerance the largest {@code |y_train - y_inference|} that passes, a positive finite number
     * @return this assertion, for chaining
     */
    public SELF inferenceMatchesTraining(INDArray features, double tolerance) {
        return probedWith(features).inferenceMatchesTraining(tolerance);
    }

    /**
     * As {@link #inferenceMatchesTraining(double)} on one batch with labels (adds accuracies to the message).
     *
     * @param data one mini-batch with labels
     * @param tolerance the largest {@code |y_train - y_inference|} that passes, a positive finite number
     * @return this assertion, for chaining
     */
    public SELF inferenceMatchesTraining(DataSet data, double tolerance) {
        return probedWith(data).inferenceMatchesTraining(tolerance);
    }

    /**
     * As {@link #inferenceMatchesTraining(double)} on every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @param tolerance the largest {@code |y_train - y_inference|} that passes, a positive finite number
     * @return this assertion, for chaining
     */
    public SELF inferenceMatchesTraining(DataSetIterator data, double tolerance) {
        return probedWith(data).inferenceMatchesTraining(tolerance);
    }

    /**
     * As {@link #inferenceMatchesTraining(double)} on one multi-input batch.
     *
     * @param data one mini-batch for a graph with one or more inputs
     * @param tolerance the largest {@code |y_train - y_inference|} that passes, a positive finite number
     * @return this assertion, for chaining
     */
    public SELF inferenceMatchesTraining(MultiDataSet data, double tolerance) {
        return probedWith(data).inferenceMatchesTraining(tolerance);
    }

    /**
     * As {@link #inferenceMatchesTraining(double)} on every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @param tolerance the largest {@code |y_train - y_inference|} that passes, a positive finite number
     * @return this assertion, for chaining
     */
    public SELF inferenceMatchesTraining(MultiDataSetIterator data, double tolerance) {
        return probedWith(data).inferenceMatchesTraining(tolerance);
    }

    /**
     * As {@link #inferenceMatchesTraining(double)} on {@code data}.
     *
     * @param data the probe data
     * @param tolerance the largest {@code |y_reference - y_inference|} that passes, a positive finite number
     * @return this assertion, for chaining
     */
    public SELF inferenceMatchesTraining(ProbeData data, double tolerance) {
        return probedWith(data).inferenceMatchesTraining(tolerance);
    }

    /**
     * Verifies that the model's predictions at inference agree with its training predictions: of the classified
     * examples (outputs that are class scores: rank 2, more than one column), the fraction whose inference argmax
     * equals the reference's argmax is at least {@code minAgreement}. The reference is what the output comparison of
     * {@link #inferenceMatchesTraining(double)} uses: the training path for one probe batch of the training batch
     * size, else the model normalizing with the target statistics of training-size batches. Changed predictions
     * count as sampling noise as they do there (statistics within their noise, or within the measured output noise).
     * A model whose outputs are not class scores (or not finite) fails, saying why.
     *
     * <pre>{@code
     * assertThat(model).trainedWithBatchSize(16).predictionsMatchTraining(validation, 0.99);
     * }</pre>
     *
     * @param minAgreement the smallest fraction of agreeing predictions that passes, in {@code (0, 1]}
     *
     * @return this assertion, for chaining
     */
    public SELF predictionsMatchTraining(double minAgreement) {
        ConsistencyChecks.requireValidAgreement(minAgreement);
        return verify(ConsistencyChecks.predictionsMatchTraining(report(), minAgreement));
    }

    /**
     * As {@link #predictionsMatchTraining(double)} on one batch of features (no labels).
     *
     * @param features the features of one mini-batch, for a model with one input
     * @param minAgreement the smallest fraction of classified examples whose inference argmax must equal the reference's, in {@code (0, 1]}
     * @return this assertion, for chaining
     */
    public SELF predictionsMatchTraining(INDArray features, double minAgreement) {
        return probedWith(features).predictionsMatchTraining(minAgreement);
    }

    /**
     * As {@link #predictionsMatchTraining(double)} on one batch with labels.
     *
     * @param data one mini-batch with labels
     * @param minAgreement the smallest fraction of classified examples whose inference argmax must equal the reference's, in {@code (0, 1]}
     * @return this assertion, for chaining
     */
    public SELF predictionsMatchTraining(DataSet data, double minAgreement) {
        return probedWith(data).predictionsMatchTraining(minAgreement);
    }

    /**
     * As {@link #predictionsMatchTraining(double)} on every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @param minAgreement the smallest fraction of classified examples whose inference argmax must equal the reference's, in {@code (0, 1]}
     * @return this assertion, for chaining
     */
    public SELF predictionsMatchTraining(DataSetIterator data, double minAgreement) {
        return probedWith(data).predictionsMatchTraining(minAgreement);
    }

    /**
     * As {@link #predictionsMatchTraining(double)} on one multi-input batch.
     *
     * @param data one mini-batch for a graph with one or more inputs
     * @param minAgreement the smallest fraction of classified examples whose inference argmax must equal the reference's, in {@code (0, 1]}
     * @return this assertion, for chaining
     */
    public SELF predictionsMatchTraining(MultiDataSet data, double minAgreement) {
        return probedWith(data).predictionsMatchTraining(minAgreement);
    }

    /**
     * As {@link #predictionsMatchTraining(double)} on every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @param minAgreement the smallest fraction of classified examples whose inference argmax must equal the reference's, in {@code (0, 1]}
     * @return this assertion, for chaining
     */
    public SELF predictionsMatchTraining(MultiDataSetIterator data, double minAgreement) {
        return probedWith(data).predictionsMatchTraining(minAgreement);
    }

    /**
     * As {@link #predictionsMatchTraining(double)} on {@code data}.
     *
     * @param data the probe data
     * @param minAgreement the smallest fraction of classified examples whose inference argmax must equal the reference's, in {@code (0, 1]}
     * @return this assertion, for chaining
     */
    public SELF predictionsMatchTraining(ProbeData data, double minAgreement) {
        return probedWith(data).predictionsMatchTraining(minAgreement);
    }

    /**
     * Verifies that the model's inference accuracy is within {@code maxPoints} percentage points of the reference's
     * (training) accuracy on the labelled examples: {@code |reference accuracy - inference accuracy| <= maxPoints},
     * or the gap is sampling noise (as for {@link #inferenceMatchesTraining(double)}). Data without labels (or with
     * labels that do not fit the class scores), and outputs that are not class scores, fail, saying why.
     *
     * <pre>{@code
     * assertThat(model).probedWith(validation)       // a DataSetIterator with labels
     *     .predictionsMatchTraining(0.99)
     *     .hasAccuracyGapAtMost(1.0);                 // at most one percentage point apart
     * }</pre>
     *
     * @param maxPoints the largest gap that passes, in percentage points ({@code 0} to {@code 100})
     *
     * @return this assertion, for chaining
     */
    public SELF hasAccuracyGapAtMost(double maxPoints) {
        return verify(ConsistencyChecks.hasAccuracyGapAtMost(report(), maxPoints));
    }

    /**
     * As {@link #hasAccuracyGapAtMost(double)} on one batch with labels.
     *
     * @param data one mini-batch with labels
     * @param maxPoints the largest {@code |reference accuracy - inference accuracy|} that passes, in percentage points
     * @return this assertion, for chaining
     */
    public SELF hasAccuracyGapAtMost(DataSet data, double maxPoints) {
        return probedWith(data).hasAccuracyGapAtMost(maxPoints);
    }

    /**
     * As {@link #hasAccuracyGapAtMost(double)} on every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @param maxPoints the largest {@code |reference accuracy - inference accuracy|} that passes, in percentage points
     * @return this assertion, for chaining
     */
    public SELF hasAccuracyGapAtMost(DataSetIterator data, double maxPoints) {
        return probedWith(data).hasAccuracyGapAtMost(maxPoints);
    }

    /**
     * As {@link #hasAccuracyGapAtMost(double)} on one multi-input batch.
     *
     * @param data one mini-batch for a graph with one or more inputs
     * @param maxPoints the largest {@code |reference accuracy - inference accuracy|} that passes, in percentage points
     * @return this assertion, for chaining
     */
    public SELF hasAccuracyGapAtMost(MultiDataSet data, double maxPoints) {
        return probedWith(data).hasAccuracyGapAtMost(maxPoints);
    }

    /**
     * As {@link #hasAccuracyGapAtMost(double)} on every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @param maxPoints the largest {@code |reference accuracy - inference accuracy|} that passes, in percentage points
     * @return this assertion, for chaining
     */
    public SELF hasAccuracyGapAtMost(MultiDataSetIterator data, double maxPoints) {
        return probedWith(data).hasAccuracyGapAtMost(maxPoints);
    }

    /**
     * As {@link #hasAccuracyGapAtMost(double)} on {@code data}.
     *
     * @param data the probe data
     * @param maxPoints the largest {@code |reference accuracy - inference accuracy|} that passes, in percentage points
     * @return this assertion, for chaining
     */
    public SELF hasAccuracyGapAtMost(ProbeData data, double maxPoints) {
        return probedWith(data).hasAccuracyGapAtMost(maxPoints);
    }

    /**
     * Verifies that every BatchNormalization layer's moving statistics match the probe data's batch statistics
     * within the default per-layer tolerance ({@value InspectionOptions#DEFAULT_LAYER_TOLERANCE} normalized
     * divergence), or within the sampling noise of the probe data. Fails for a model without BatchNormalization
     * layers.
     *
     * @return this assertion, for chaining
     */
    public SELF hasConvergedBatchNormStatistics() {
        return verify(ConsistencyChecks.hasConvergedBatchNormStatistics(report()));
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics()} with another per-layer tolerance; the probe data is the data set
     * with {@code probedWith} or by an earlier assertion, e.g.
     * {@code assertThat(model).probedWith(data).hasConvergedBatchNormStatistics(0.1)}.
     *
     * @param layerTolerance the normalized divergence above which a layer counts as off, a positive finite number
     * @return this assertion, for chaining
     */
    public SELF hasConvergedBatchNormStatistics(double layerTolerance) {
        return verify(ConsistencyChecks.hasConvergedBatchNormStatistics(report(), layerTolerance));
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics(double)} on {@code data}.
     *
     * @param data the probe data
     * @param layerTolerance the normalized divergence above which a layer counts as off, a positive finite number
     * @return this assertion, for chaining
     */
    public SELF hasConvergedBatchNormStatistics(ProbeData data, double layerTolerance) {
        return probedWith(data).hasConvergedBatchNormStatistics(layerTolerance);
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics()} on one batch of features.
     *
     * @param features the features of one mini-batch, for a model with one input
     * @return this assertion, for chaining
     */
    public SELF hasConvergedBatchNormStatistics(INDArray features) {
        return probedWith(features).hasConvergedBatchNormStatistics();
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics()} on one batch.
     *
     * @param data one mini-batch with labels
     * @return this assertion, for chaining
     */
    public SELF hasConvergedBatchNormStatistics(DataSet data) {
        return probedWith(data).hasConvergedBatchNormStatistics();
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics()} on every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @return this assertion, for chaining
     */
    public SELF hasConvergedBatchNormStatistics(DataSetIterator data) {
        return probedWith(data).hasConvergedBatchNormStatistics();
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics()} on one multi-input batch.
     *
     * @param data one mini-batch for a graph with one or more inputs
     * @return this assertion, for chaining
     */
    public SELF hasConvergedBatchNormStatistics(MultiDataSet data) {
        return probedWith(data).hasConvergedBatchNormStatistics();
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics()} on every batch of the iterator, consumed once.
     *
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @return this assertion, for chaining
     */
    public SELF hasConvergedBatchNormStatistics(MultiDataSetIterator data) {
        return probedWith(data).hasConvergedBatchNormStatistics();
    }

    /**
     * As {@link #hasConvergedBatchNormStatistics()} on {@code data}.
     *
     * @param data the probe data
     * @return this assertion, for chaining
     */
    public SELF hasConvergedBatchNormStatistics(ProbeData data) {
        return probedWith(data).hasConvergedBatchNormStatistics();
    }

    /**
     * Verifies that no lint rule explains why the model's BatchNormalization statistics cannot or will not
     * converge. Without probe data only the configuration rules run (gradient normalization, decay too high for the
     * iterations trained); after {@code probedWith(data)} (or an assertion that took data) the rules about what the
     * check saw run too (frozen layers that do not match the data, single-example dense batches, unsupported input).
     *
     * @return this assertion, for chaining
     */
    public SELF passesBatchNormLint() {
        requireModel();
        List<LintFinding> findings = probe == null ? BatchNormLint.check(actual) : report().lint();
        return verify(ConsistencyChecks.passesBatchNormLint(findings));
    }

    /**
     * Navigates to the BatchNormalization layer named {@code name} (the vertex name in a ComputationGraph), on the
     * data set with {@code probedWith} or by an earlier assertion. A name the model has no BatchNormalization layer
     * by fails here, listing the layers there are (soft assertions collect that failure and skip the layer's
     * assertions). {@link BatchNormLayerAssert#returnToModel()} comes back to this assert and its report.
     *
     * @param name the layer's name (the vertex name in a ComputationGraph)
     * @return assertions on that layer's finding
     */
    public BatchNormLayerAssert batchNormLayer(String name) {
        AssertionState.requireLayerName(name);
        ConsistencyReport report = report();
        Optional<ErrorMessageFactory> missing = ConsistencyChecks.hasBatchNormLayer(report, name);
        if (missing.isPresent()) {
            AssertionState.failOrCollect(soft, assertionError(missing.get()));
        }
        return AssertionState.layerAssert(soft, report.layer(name).orElse(null), this, this);
    }

    /**
     * The report the assertions read (computed on first use for the current probe data).
     *
     * @return the report of the current probe data
     */
    protected ConsistencyReport report() {
        requireModel();
        if (probe == null) {
            throw new IllegalStateException("No probe data: call probedWith(data) first, or pass the data to the "
                    + "assertion, e.g. inferenceMatchesTraining(data, 1e-3).");
        }
        if (report == null) {
            report = BatchNormInspector.inspect(actual, probe, options);
        }
        return report;
    }

    /**
     * Throws this assert's own failure when the check failed, so that AssertJ words it with this assert's
     * description and strips this assert's frames: the stack trace starts at the caller's line.
     */
    private SELF verify(Optional<ErrorMessageFactory> failure) {
        if (failure.isPresent()) {
            throw assertionError(failure.get());
        }
        return myself;
    }

    /**
     * The one path all probe data takes: the data the following assertions read, from {@code source} (the object
     * the user passed). Passing the same object again keeps the report, so a one-shot iterator handed to several
     * assertions of one chain is read once.
     */
    private SELF using(Object source, ProbeData data) {
        if (source != probeSource) {
            this.probeSource = source;
            this.probe = data;
            this.report = null;
        }
        return myself;
    }
}
