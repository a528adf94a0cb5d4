package io.github.bnconsistency.report;

import java.util.Objects;
import java.util.Optional;

/**
 * What the inference outputs were compared with, and the training batch size that decided it. The moving statistics
 * converge to the average statistics of training-size batches, so the reference is what a model whose moving
 * statistics had converged exactly would output: the model with every BatchNormalization layer normalizing with the
 * target statistics of batches of {@link #trainingBatchSize()} examples.
 *
 * <pre>{@code
 * Reference reference = BatchNormInspector.inspect(model, validation).reference();
 * System.out.println(reference.kind() + " at batch size " + reference.trainingBatchSize());
 * }</pre>
 *
 * @param kind               how the reference outputs were computed
 * @param trainingBatchSize  the batch size the moving statistics are taken to be accumulated with
 * @param batchSizeSource    where that batch size came from
 * @param targets            how the target statistics were measured at that batch size
 * @param estimate           the batch size the moving variances of the first layer fit, if the data can tell: shown
 *                           to the user, not used to judge (see {@link BatchSizeEstimate})
 * @param trainingPath       the raw comparison of each probe batch's training-path outputs (normalized with that
 *                           batch's own statistics) with the inference outputs: batch noise included, shown beside
 *                           the reference, never judged; not measured when the training path ran on re-batched data
 * @param noise              how far sampling noise alone would take the outputs from the reference, when it was
 *                           measured (the outputs differed, every layer's statistics were within tolerance or noise,
 *                           or off only where the outputs showed no more than this noise, the data could be read
 *                           again, and the statistics did not already make the difference noise, see
 *                           {@code withinStatisticsNoise}, or the band was asked for); when measured, it decides
 * @param doublePrecision    for a FLOAT or HALF model whose outputs differed while every layer's statistics were
 *                           within the layer tolerance: the same comparison's max difference on a DOUBLE copy
 *                           (float rounding when it is tiny, a real difference when it persists); empty when not run
 * @param withinStatisticsNoise whether the outputs differed while every layer's statistics were within their sampling
 *                           noise on every channel ({@link LayerFinding#everyChannelWithinNoise()}),
 *                           whatever the tolerance, and the double-precision re-check, when it ran, did not find float
 *                           rounding: the difference is then what that noise does to the outputs, and the output
 *                           checks count it as noise without measuring {@link #noise()} (which costs 8 or more
 *                           passes; {@code InspectionOptions.withOutputNoiseBand()} measures it, and then it decides)
 */
public record Reference(
        Kind kind,
        int trainingBatchSize,
        BatchSizeSource batchSizeSource,
        Targets targets,
        Optional<BatchSizeEstimate> estimate,
        OutputDivergence trainingPath,
        Optional<OutputNoise> noise,
        Optional<Double> doublePrecision,
        boolean withinStatisticsNoise) {

    /** How the target statistics were measured. */
    public enum Targets {
        /** From the probe's own batches, taken to stand for training's. */
        PROBE_BATCHES,
        /** From the probe's examples re-batched to the training batch size (the probe's batches had another size). */
        REBATCHED,
        /**
         * From per-example statistics ({@code E[v_n] = W + (1 - 1/n) S^2}), because the probe's batches had another
         * size and the data could be read only once: exact for the first layer, approximate after it.
         */
        PER_EXAMPLE
    }

    /** How the reference outputs were computed. */
    public enum Kind {
        /** One probe batch of the training batch size: its training-path outputs are the converged model's. */
        TRAINING_PATH,
        /** A copy of the model normalizing with the target statistics (the user's model is not touched). */
        CONVERGED_STATISTICS,
        /**
         * Each probe batch's own training path, because the data could be read only once (batch noise included);
         * pass data that can be read twice (a DataSet, or an iterator that supports reset) for the exact reference.
         */
        TRAINING_PATH_PER_BATCH,
        /** Outputs were not compared (e.g. a report made by a recalibration, from the training path alone). */
        NONE
    }

    /** Where the training batch size came from. */
    public enum BatchSizeSource {
        /** Given in the options (or the extension's configuration). */
        GIVEN,
        /** Taken to be the probe's batch size: not given, and the data could not tell otherwise. */
        PROBE_BATCH_SIZE,
        /**
         * Not given, and the probe's batch size ruled out by {@link #estimate()} (some layer is off at it, or the
         * probe is one batch far larger than the estimate, such as a whole validation set), while at the batch size
         * the moving variances fit every layer is within tolerance or noise: taken as that size, a batch-size
         * mismatch rather than statistics that need more training. Pass the training batch size for a sharper check.
         */
        ESTIMATED,
        /**
         * Not given, and the moving variances cannot tell the batch size (the estimate's interval reaches the probe's
         * batch size, e.g. a CNN whose channels vary within each example far more than between examples), while some
         * layer is off at the probe's batch size (each such layer past its warm-up, {@code decay^iterations} at most
         * the tolerance, and updating freely) and every layer is within tolerance or noise at a smaller one (the
         * largest of half, a quarter, ... of it, down to {@value Reference#SMALLEST_FITTING_BATCH_SIZE}): taken as that
         * size, since the statistics fit training at it; if you train with the probe's batch size, pass it, and the
         * check judges there. Seen: a CNN trained in batches of 4, probed in batches of 32.
         */
        FITS_SMALLER
    }

    /**
     * The smallest batch size {@link BatchSizeSource#FITS_SMALLER} tries: below it one batch's statistics are so
     * noisy that nearly any moving statistics fit them.
     */
    public static final int SMALLEST_FITTING_BATCH_SIZE = 4;

    /**
     * Checks that every component is given ({@code Optional.empty()} for no estimate).
     *
     * @param kind              how the reference outputs were computed
     * @param trainingBatchSize the batch size the moving statistics are taken to be accumulated with
     * @param batchSizeSource   where that batch size came from
     * @param targets           how the target statistics were measured at that batch size
     * @param estimate          the batch size the moving variances of the first layer fit, if the data can tell
     * @param trainingPath      the raw comparison of each probe batch's training path with the inference outputs
     * @param noise             how far sampling noise alone would take the outputs from the reference, if measured
     * @param doublePrecision   the output difference on a DOUBLE copy, if the re-check ran
     * @param withinStatisticsNoise whether the difference is put down to statistics within their noise on every channel
     */
    public Reference {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(batchSizeSource, "batchSizeSource");
        Objects.requireNonNull(targets, "targets");
        Objects.requireNonNull(estimate, "estimate (Optional.empty() when the data cannot tell)");
        Objects.requireNonNull(trainingPath, "trainingPath (OutputDivergence.notMeasured() when not compared)");
        Objects.requireNonNull(noise, "noise (Optional.empty() when not measured)");
        Objects.requireNonNull(doublePrecision, "doublePrecision (Optional.empty() when not run)");
    }

    /**
     * The components before {@code withinStatisticsNoise} (schema 1.3), which is then false.
     *
     * @param kind              how the reference outputs were computed
     * @param trainingBatchSize the batch size the moving statistics are taken to be accumulated with
     * @param batchSizeSource   where that batch size came from
     * @param targets           how the target statistics were measured at that batch size
     * @param estimate          the batch size the moving variances of the first layer fit, if the data can tell
     * @param trainingPath      the raw comparison of each probe batch's training path with the inference outputs
     * @param noise             how far sampling noise alone would take the outputs from the reference, if measured
     * @param doublePrecision   the output difference on a DOUBLE copy, if the re-check ran
     * @deprecated pass {@code withinStatisticsNoise} too (the canonical constructor)
     */
    @Deprecated
    public Reference(
            Kind kind,
            int trainingBatchSize,
            BatchSizeSource batchSizeSource,
            Targets targets,
            Optional<BatchSizeEstimate> estimate,
            OutputDivergence trainingPath,
            Optional<OutputNoise> noise,
            Optional<Double> doublePrecision) {
        this(kind, trainingBatchSize, batchSizeSource, targets, estimate, trainingPath, noise, doublePrecision, false);
    }

    /**
     * A reference with no noise measurement.
     *
     * @param kind              how the reference outputs were computed
     * @param trainingBatchSize the batch size the moving statistics are taken to be accumulated with
     * @param batchSizeSource   where that batch size came from
     * @param targets           how the target statistics were measured at that batch size
     * @param estimate          the batch size the moving variances of the first layer fit, if the data can tell
     * @param trainingPath      the raw comparison of each probe batch's training path with the inference outputs
     */
    public Reference(
            Kind kind,
            int trainingBatchSize,
            BatchSizeSource batchSizeSource,
            Targets targets,
            Optional<BatchSizeEstimate> estimate,
            OutputDivergence trainingPath) {
        this(
                kind,
                trainingBatchSize,
                batchSizeSource,
                targets,
                estimate,
                trainingPath,
                Optional.empty(),
                Optional.empty(),
                false);
    }

    /**
     * This reference with the given noise measurement.
     *
     * @param measured the noise measurement, or empty
     * @return a copy of this reference with that measurement
     */
    public Reference withNoise(Optional<OutputNoise> measured) {
        return new Reference(
                kind,
                trainingBatchSize,
                batchSizeSource,
                targets,
                estimate,
                trainingPath,
                measured,
                doublePrecision,
                withinStatisticsNoise);
    }

    /**
     * This reference with the difference put down, or not, to statistics within their noise on every channel.
     *
     * @param within whether every layer's statistics were within their noise floors on every channel
     * @return a copy of this reference with that finding
     */
    public Reference withinStatisticsNoise(boolean within) {
        return new Reference(
                kind,
                trainingBatchSize,
                batchSizeSource,
                targets,
                estimate,
                trainingPath,
                noise,
                doublePrecision,
                within);
    }

    /**
     * This reference with the double-precision re-check's result.
     *
     * @param difference the max output difference on the DOUBLE copy, or empty when the re-check did not run
     * @return a copy of this reference with it
     */
    public Reference withDoublePrecision(Optional<Double> difference) {
        return new Reference(
                kind,
                trainingBatchSize,
                batchSizeSource,
                targets,
                estimate,
                trainingPath,
                noise,
                difference,
                withinStatisticsNoise);
    }

    /**
     * Whether the double-precision re-check found the difference to be float rounding.
     *
     * @return true when the re-check ran and the difference in DOUBLE is at most {@value #ROUNDING}
     */
    public boolean isFloatRounding() {
        return doublePrecision.filter(d -> d <= ROUNDING).isPresent();
    }

    /** A difference in DOUBLE at most this is rounding, not statistics (the output noise threshold too). */
    public static final double ROUNDING = 1e-4;

    /**
     * No output comparison; the statistics were judged at batches of {@code trainingBatchSize}.
     *
     * @param trainingBatchSize the mini-batch size the model was trained with, at least 2, or 0 to take the probe's
     * @param source where the training batch size came from
     * @return a reference that compared no outputs
     */
    public static Reference none(int trainingBatchSize, BatchSizeSource source) {
        return none(trainingBatchSize, source, Targets.PROBE_BATCHES);
    }

    /**
     * No output comparison; the statistics were judged at batches of {@code trainingBatchSize}, measured so.
     *
     * @param trainingBatchSize the mini-batch size the model was trained with, at least 2, or 0 to take the probe's
     * @param source where the training batch size came from
     * @param targets how the target statistics were measured
     * @return a reference that compared no outputs
     */
    public static Reference none(int trainingBatchSize, BatchSizeSource source, Targets targets) {
        return new Reference(
                Kind.NONE, trainingBatchSize, source, targets, Optional.empty(), OutputDivergence.notMeasured());
    }

    /**
     * Whether the estimate rules out the probe's batch size, so that the user should pass the training batch size.
     *
     * @return true when the estimated batch size range excludes the one used
     */
    public boolean estimateRulesOutTrainingBatchSize() {
        return estimate.filter(
                        e -> Double.isFinite(e.high()) && (trainingBatchSize < e.low() || trainingBatchSize > e.high()))
                .isPresent();
    }

    /**
     * The batch size the moving variances fit: for values that vary between examples a batch of
     * {@code n} has biased variance {@code E[v_n] = W + (1 - 1/n) S^2}, so each channel's moving variance gives an
     * {@code n}; the median and quartiles over the channels of the first BatchNormalization layer (whose input no
     * other BatchNormalization layer changes). The moving variances also lag weights that still move, which biases it
     * low, so it is a hint to pass the training batch size, never used to judge.
     *
     * @param layer    the layer the estimate is taken from
     * @param low      the lower quartile over channels
     * @param median   the median over channels
     * @param high     the upper quartile over channels
     * @param channels channels that gave an estimate
     */
    public record BatchSizeEstimate(String layer, double low, double median, double high, int channels) {}
}
