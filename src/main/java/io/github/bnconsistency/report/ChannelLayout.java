package io.github.bnconsistency.report;

/**
 * Where the channel axis of a BatchNormalization layer's input is, as seen on the probe data, and so
 * over which axes DL4J computes the batch statistics.
 */
public enum ChannelLayout {
    /** Rank 2 {@code [minibatch, channels]}: statistics over the minibatch. */
    DENSE(true, 1, 0),
    /** Rank 4 {@code [minibatch, channels, height, width]}. */
    NCHW(true, 1, 0, 2, 3),
    /** Rank 4 {@code [minibatch, height, width, channels]}. */
    NHWC(true, 3, 0, 1, 2),
    /** Rank 3 {@code [minibatch, time, channels]} with NHWC format (Keras Conv1D imports): DL4J normalizes the last axis. */
    SEQUENCE_CHANNELS_LAST(true, 2, 0, 1),
    /**
     * Rank 3 {@code [minibatch, channels, time]} with NCHW format: DL4J 1.0.0-M2.1 reshapes it so that the
     * minibatch axis is taken for the channel axis; its statistics are meaningless and are not computed.
     */
    SEQUENCE_CHANNELS_FIRST(false, 1),
    /** Not seen yet (no probe batch reached the layer) or a rank DL4J cannot normalize. */
    UNKNOWN(false, -1);

    private final boolean supported;
    private final int channelAxis;
    private final int[] reductionAxes;

    ChannelLayout(boolean supported, int channelAxis, int... reductionAxes) {
        this.supported = supported;
        this.channelAxis = channelAxis;
        this.reductionAxes = reductionAxes;
    }

    /**
     * Whether DL4J normalizes inputs of this layout correctly, so that the layer's statistics mean something.
     *
     * @return true for a layout the statistics can be read from
     */
    public boolean isSupported() {
        return supported;
    }

    /**
     * The axis of the input that holds the channels, -1 when unknown.
     *
     * @return the channel axis, or -1
     */
    public int channelAxis() {
        return channelAxis;
    }

    /**
     * The axes DL4J averages over to get the per-channel batch statistics.
     *
     * @return the reduction axes
     */
    public int[] reductionAxes() {
        return reductionAxes.clone();
    }
}
