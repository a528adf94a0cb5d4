package io.github.bnconsistency.report;

/**
 * A reason, found in the configuration or the probe data, why a BatchNormalization layer's moving statistics
 * cannot or will not converge, with what to do about it.
 *
 * @param rule    stable rule id, e.g. {@code gradient-normalization}
 * @param layer   the layer it concerns
 * @param message what is wrong and why it matters
 * @param fix     what to do
 */
public record LintFinding(String rule, String layer, String message, String fix) {

    /** Gradient normalization also rescales the moving-statistic updates. */
    public static final String GRADIENT_NORMALIZATION = "gradient-normalization";
    /** A frozen layer never updates statistics that do not match the data. */
    public static final String FROZEN_MISMATCH = "frozen-mismatch";
    /** The decay is so high for the iterations trained that the initial values still dominate. */
    public static final String DECAY_TOO_HIGH = "decay-too-high";
    /** A diverging layer of a model never trained: its moving statistics are still the initial ones. */
    public static final String NEVER_TRAINED = "never-trained";
    /** Dense BatchNormalization fed one example per batch: batch variance 0. */
    public static final String SINGLE_EXAMPLE_BATCHES = "single-example-batches";
    /** Stored moving statistics that are NaN, infinite or a negative variance. */
    public static final String CORRUPTED_STATISTICS = "corrupted-statistics";
    /** Probe batches far more alike within than random batches (e.g. one class each): statistics reflect that. */
    public static final String UNREPRESENTATIVE_PROBE_BATCHES = "unrepresentative-probe-batches";
    /** An activation configured on a BatchNormalization layer, which DL4J never applies. */
    public static final String ACTIVATION_IGNORED = "activation-ignored";
    /** Dropout configured on a BatchNormalization layer, which DL4J never applies. */
    public static final String DROPOUT_IGNORED = "dropout-ignored";
    /** An input layout DL4J cannot normalize. */
    public static final String UNSUPPORTED_INPUT = "unsupported-input";

    /** One line: {@code layer: message Fix: fix}. */
    @Override
    public String toString() {
        return layer + ": " + message + " Fix: " + fix;
    }
}
