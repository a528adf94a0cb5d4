package io.github.bnconsistency;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.internal.engine.ConsistencyEngine;

/**
 * Settings of a recalibration.
 *
 * @param includeFrozenLayers also overwrite the statistics of frozen BatchNormalization layers (off by default:
 *                            a frozen layer's statistics are usually frozen on purpose, e.g. from pretraining)
 * @param layerTolerance      the per-layer tolerance the before/after reports judge with
 * @param trainingBatchSize   the batch size you train with: the statistics written are those of batches of this size
 *                            (the data is re-batched to it when it can be read again); 0 for the data's own batches
 */
public record RecalibrationOptions(boolean includeFrozenLayers, double layerTolerance, int trainingBatchSize) {

    /**
     * Checks that the tolerance is a positive finite number.
     *
     * @param includeFrozenLayers also overwrite the statistics of frozen BatchNormalization layers (off by default: a
     *                            frozen layer's statistics are usually frozen on purpose, e.g. from pretraining)
     * @param layerTolerance      the per-layer tolerance the before/after reports judge with
     * @throws IllegalArgumentException when it is not
     *
     * @param trainingBatchSize the mini-batch size the model was trained with, at least 2, or 0 to take the probe's
     */
    public RecalibrationOptions {
        Tolerances.requireValid(layerTolerance, "layer tolerance");
        ConsistencyEngine.requireValidBatchSize(trainingBatchSize);
    }

    /**
     * Frozen layers as given, at the data's own batch size.
     *
     * @param includeFrozenLayers also overwrite the statistics of frozen BatchNormalization layers
     * @param layerTolerance the normalized divergence above which a layer counts as off, a positive finite number
     */
    public RecalibrationOptions(boolean includeFrozenLayers, double layerTolerance) {
        this(includeFrozenLayers, layerTolerance, 0);
    }

    /**
     * These options, writing the statistics of batches of {@code batchSize} examples, the size you train with:
     * {@code RecalibrationOptions.defaults().withTrainingBatchSize(32)}.
     *
     * @param batchSize the mini-batch size the model is trained with, at least 2
     * @return new options; these are left as they are
     */
    public RecalibrationOptions withTrainingBatchSize(int batchSize) {
        return new RecalibrationOptions(includeFrozenLayers, layerTolerance, batchSize);
    }

    /**
     * Unfrozen layers only, default tolerance.
     *
     * @return options that leave frozen layers alone and judge at the default per-layer tolerance
     */
    public static RecalibrationOptions defaults() {
        return new RecalibrationOptions(false, InspectionOptions.DEFAULT_LAYER_TOLERANCE);
    }

    /**
     * These options, recalibrating frozen layers too.
     *
     * @return new options; these are left as they are
     */
    public RecalibrationOptions includingFrozenLayers() {
        return new RecalibrationOptions(true, layerTolerance, trainingBatchSize);
    }
}
