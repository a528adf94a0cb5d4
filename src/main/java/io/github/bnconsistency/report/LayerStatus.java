package io.github.bnconsistency.report;

/** The verdict on one BatchNormalization layer's moving statistics. */
public enum LayerStatus {
    /** Every channel's normalized divergence is within the layer tolerance. */
    CONVERGED,
    /** At least one channel's normalized divergence exceeds the layer tolerance. */
    NOT_CONVERGED,
    /** DL4J cannot normalize this layer's input layout (see {@link ChannelLayout}); no statistics were computed. */
    UNSUPPORTED
}
