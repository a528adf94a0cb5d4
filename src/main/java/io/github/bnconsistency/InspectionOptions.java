package io.github.bnconsistency;

import io.github.bnconsistency.internal.Tolerances;

/**
 * Settings of a check.
 *
 * @param layerTolerance the normalized divergence above which a layer's moving statistics count as not
 *                       converged (default {@value #DEFAULT_LAYER_TOLERANCE}: the inference-normalized
 *                       activation is off by 5% of a standard deviation)
 */
public record InspectionOptions(double layerTolerance) {

    /** The default per-layer divergence tolerance. */
    public static final double DEFAULT_LAYER_TOLERANCE = Tolerances.DEFAULT_LAYER_TOLERANCE;

    public InspectionOptions {
        Tolerances.requireValid(layerTolerance, "layer tolerance");
    }

    /** The defaults. */
    public static InspectionOptions defaults() {
        return new InspectionOptions(DEFAULT_LAYER_TOLERANCE);
    }

    /** These options with another per-layer tolerance. */
    public InspectionOptions withLayerTolerance(double tolerance) {
        return new InspectionOptions(tolerance);
    }
}
