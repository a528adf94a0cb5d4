package io.github.bnconsistency;

import io.github.bnconsistency.internal.Tolerances;

/**
 * Settings of a recalibration.
 *
 * @param includeFrozenLayers also overwrite the statistics of frozen BatchNormalization layers (off by default:
 *                            a frozen layer's statistics are usually frozen on purpose, e.g. from pretraining)
 * @param layerTolerance      the per-layer tolerance the before/after reports judge with
 */
public record RecalibrationOptions(boolean includeFrozenLayers, double layerTolerance) {

    public RecalibrationOptions {
        Tolerances.requireValid(layerTolerance, "layer tolerance");
    }

    /** Unfrozen layers only, default tolerance. */
    public static RecalibrationOptions defaults() {
        return new RecalibrationOptions(false, InspectionOptions.DEFAULT_LAYER_TOLERANCE);
    }

    /** These options, recalibrating frozen layers too. */
    public RecalibrationOptions includingFrozenLayers() {
        return new RecalibrationOptions(true, layerTolerance);
    }
}
