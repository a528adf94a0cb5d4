package io.github.bnconsistency;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.internal.engine.ConsistencyEngine;

/**
 * Settings of a check.
 *
 * <pre>{@code
 * InspectionOptions options = InspectionOptions.defaults().withTrainingBatchSize(32).withLayerTolerance(0.1);
 * ConsistencyReport report = BatchNormInspector.inspect(model, ProbeData.of(validation), options);
 * }</pre>
 *
 * @param layerTolerance    the normalized divergence above which a layer's moving statistics count as not
 *                          converged (default {@value #DEFAULT_LAYER_TOLERANCE}: the inference-normalized
 *                          activation is off by 5% of a standard deviation)
 * @param trainingBatchSize the mini-batch size the model was trained with, which the moving statistics converge to
 *                          the statistics of; 0 (the default) infers it: from the moving variances when they rule
 *                          out the probe's batch size, else the probe's batch size
 */
public record InspectionOptions(
        double layerTolerance,
        int trainingBatchSize,
        boolean doublePrecisionCheck,
        boolean outputNoise,
        boolean garbageCollection,
        boolean outputNoiseBand) {

    /** The default per-layer divergence tolerance. */
    public static final double DEFAULT_LAYER_TOLERANCE = Tolerances.DEFAULT_LAYER_TOLERANCE;

    /**
     * Checks that the tolerance is a positive finite number.
     *
     * @param layerTolerance the normalized divergence above which a layer's moving statistics count as not converged
     *                       (default {@value #DEFAULT_LAYER_TOLERANCE}: the inference-normalized activation is off by
     *                       5% of a standard deviation)
     * @param trainingBatchSize    the mini-batch size the model was trained with, at least 2, or 0 to take the probe's
     * @param doublePrecisionCheck whether a FLOAT/HALF model whose outputs differ while no layer's statistics explain
     *                             it is compared once more on a DOUBLE copy (see {@link #withoutDoublePrecisionCheck()})
     * @param outputNoise          whether such a difference, or one the only layers off may explain, is measured
     *                             against the output noise (see {@link #withoutOutputNoise()})
     * @param garbageCollection    whether the check collects garbage when off-heap memory has grown by 64 MB since it
     *                             began (see {@link #withoutGarbageCollection()})
     * @param outputNoiseBand      whether the output noise is measured even when every layer's statistics are within
     *                             their noise on every channel (see {@link #withOutputNoiseBand()})
     * @throws IllegalArgumentException when the tolerance or the batch size is not valid
     */
    public InspectionOptions {
        Tolerances.requireValid(layerTolerance, "layer tolerance");
        ConsistencyEngine.requireValidBatchSize(trainingBatchSize);
    }

    /**
     * These tolerance and batch size, the double-precision re-check and the output noise on.
     *
     * @param layerTolerance    the normalized divergence above which a layer counts as off, a positive finite number
     * @param trainingBatchSize the mini-batch size the model was trained with (at least 2), or 0 to infer it
     */
    public InspectionOptions(double layerTolerance, int trainingBatchSize) {
        this(layerTolerance, trainingBatchSize, true, true, true, false);
    }

    /**
     * These settings, with garbage collection on (the options before it could be turned off).
     *
     * @param layerTolerance       the normalized divergence above which a layer counts as off
     * @param trainingBatchSize    the mini-batch size the model was trained with (at least 2), or 0 to infer it
     * @param doublePrecisionCheck whether the double-precision re-check may run
     * @param outputNoise          whether the output noise may be measured
     */
    public InspectionOptions(
            double layerTolerance, int trainingBatchSize, boolean doublePrecisionCheck, boolean outputNoise) {
        this(layerTolerance, trainingBatchSize, doublePrecisionCheck, outputNoise, true, false);
    }

    /**
     * These settings, the output noise measured only when the statistics do not already explain a difference (the
     * options before {@link #withOutputNoiseBand()}).
     *
     * @param layerTolerance       the normalized divergence above which a layer counts as off
     * @param trainingBatchSize    the mini-batch size the model was trained with (at least 2), or 0 to infer it
     * @param doublePrecisionCheck whether the double-precision re-check may run
     * @param outputNoise          whether the output noise may be measured
     * @param garbageCollection    whether the check collects garbage when off-heap memory has grown
     */
    public InspectionOptions(
            double layerTolerance,
            int trainingBatchSize,
            boolean doublePrecisionCheck,
            boolean outputNoise,
            boolean garbageCollection) {
        this(layerTolerance, trainingBatchSize, doublePrecisionCheck, outputNoise, garbageCollection, false);
    }

    /**
     * Another layer tolerance, the training batch size inferred.
     *
     * @param layerTolerance the normalized divergence above which a layer counts as off, a positive finite number
     */
    public InspectionOptions(double layerTolerance) {
        this(layerTolerance, 0);
    }

    /**
     * The defaults.
     *
     * @return the options with the default per-layer tolerance, {@value #DEFAULT_LAYER_TOLERANCE}
     */
    public static InspectionOptions defaults() {
        return new InspectionOptions(DEFAULT_LAYER_TOLERANCE, 0, true, true, true, false);
    }

    /**
     * These options with another per-layer tolerance.
     *
     * @param tolerance the normalized divergence above which a layer counts as not converged, a positive finite number
     * @return new options; these are left as they are
     */
    public InspectionOptions withLayerTolerance(double tolerance) {
        return new InspectionOptions(
                tolerance, trainingBatchSize, doublePrecisionCheck, outputNoise, garbageCollection, outputNoiseBand);
    }

    /**
     * These options with the mini-batch size you train with (at least 2).
     *
     * @param batchSize the mini-batch size the model is trained with, at least 2
     * @return new options; these are left as they are
     */
    public InspectionOptions withTrainingBatchSize(int batchSize) {
        return new InspectionOptions(
                layerTolerance, batchSize, doublePrecisionCheck, outputNoise, garbageCollection, outputNoiseBand);
    }

    /**
     * These options without the double-precision re-check: a FLOAT or HALF model whose outputs differ while no
     * layer's statistics explain it is otherwise compared once more on a DOUBLE copy (one more copy of the
     * parameters in memory, two inference passes per batch), to tell float rounding from a real difference.
     *
     * @return a copy of these options with the re-check off
     */
    public InspectionOptions withoutDoublePrecisionCheck() {
        return new InspectionOptions(
                layerTolerance, trainingBatchSize, false, outputNoise, garbageCollection, outputNoiseBand);
    }

    /**
     * These options without the output noise: outputs that differ while every layer is within tolerance or noise
     * are then judged against the plain tolerance, as on one full batch (neither statistics within their noise nor a
     * measured band count as noise), and the check never runs the noise sweep (one reference and 8 inference passes
     * per probe batch, plus 8 bootstrap training passes for a small probe).
     *
     * @return a copy of these options with the output noise off
     */
    public InspectionOptions withoutOutputNoise() {
        return new InspectionOptions(
                layerTolerance, trainingBatchSize, doublePrecisionCheck, false, garbageCollection, outputNoiseBand);
    }

    /**
     * These options without the check's garbage collections. DL4J's forward passes leave arrays off-heap that only
     * a collection frees, so over many probe batches of a large model off-heap memory grows (until JavaCPP's limit,
     * {@code -Dorg.bytedeco.javacpp.maxbytes}, forces a collection); by default the check calls {@code System.gc()}
     * before a forward pass once off-heap memory has grown by 64 MB since it began, which bounds its growth, and the
     * report's {@code probe().garbageCollections()} counts them. Turn them off when your own code manages collections.
     *
     * @return a copy of these options with the collections off
     */
    public InspectionOptions withoutGarbageCollection() {
        return new InspectionOptions(
                layerTolerance, trainingBatchSize, doublePrecisionCheck, outputNoise, false, outputNoiseBand);
    }

    /**
     * These options with the output-noise band measured even when every layer's statistics are within their sampling
     * noise on every channel. Such a difference is noise already ({@link
     * io.github.bnconsistency.report.Reference#withinStatisticsNoise()}), so by default the check skips the noise
     * sweep there and the common path, one probe batch of the training size, costs two forward passes; with this the
     * report also says how far noise alone moves the outputs ({@code reference().noise()}), at the cost of one
     * reference and 8 inference passes per probe batch (plus 8 bootstrap training passes for a small probe).
     *
     * @return a copy of these options that always measures the band where it can
     */
    public InspectionOptions withOutputNoiseBand() {
        return new InspectionOptions(
                layerTolerance, trainingBatchSize, doublePrecisionCheck, outputNoise, garbageCollection, true);
    }
}
