package io.github.bnconsistency.internal;

/** The tolerances every stage shares, and their one argument check. */
public final class Tolerances {

    /**
     * The default per-layer divergence tolerance: the inference-normalized activation may be off by 5% of a
     * standard deviation.
     */
    public static final double DEFAULT_LAYER_TOLERANCE = 0.05;

    private Tolerances() {}

    /**
     * Rejects a tolerance that is not a positive finite number, naming it.
     *
     * @return the tolerance
     */
    public static double requireValid(double tolerance, String what) {
        if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException(
                    "The " + what + " must be a positive finite number, but was " + tolerance + ".");
        }
        return tolerance;
    }
}
