package io.github.bnconsistency.report;

/** The verdict on one BatchNormalization layer's moving statistics. */
public enum LayerStatus {
    /** Every channel's normalized divergence is within the layer tolerance. */
    CONVERGED,
    /**
     * Some channel exceeds the layer tolerance, but every channel's divergence is within what mini-batch sampling
     * produces (see {@link ChannelFinding#noiseFloor()}): the moving statistics have converged as far as this
     * probe data can tell. Also a layer beyond that noise whose gap the outputs do not feel beyond the output
     * noise (see {@link OutputNoise}: the outputs, the predictions and the accuracy all within its allowances, every
     * other layer converged or within noise), when its moving average updates and has forgotten its initial values
     * ({@code decay^iterations} at most the layer tolerance): its statistics are off (e.g. lagging weights that
     * still move), but not so that inference behaves otherwise than training, and more training is no remedy.
     */
    WITHIN_NOISE,
    /** At least one channel's normalized divergence exceeds both the layer tolerance and its sampling noise. */
    NOT_CONVERGED,
    /**
     * The moving statistics have converged, to the statistics the layer's input has in training with the dropout or
     * noise upstream active ({@link LayerFinding#varianceShift()}); inference runs without it and sees others. More
     * training does not change that; recalibrating on the noise-free path (which {@code BatchNormRecalibration}
     * does), or moving the dropout after the BatchNormalization layer, does.
     */
    VARIANCE_SHIFT,
    /**
     * The stored moving statistics are not usable: NaN or infinite moving mean or variance, or a negative
     * variance (a diverged training run or a damaged file). Never counted as converged; recalibration repairs it.
     */
    CORRUPTED,
    /** DL4J cannot normalize this layer's input layout (see {@link ChannelLayout}); no statistics were computed. */
    UNSUPPORTED;

    /**
     * Whether the moving statistics have converged as far as the probe data can tell: {@link #CONVERGED} or
     * {@link #WITHIN_NOISE}.
     *
     * @return true for those two
     */
    public boolean isConverged() {
        return this == CONVERGED || this == WITHIN_NOISE;
    }
}
