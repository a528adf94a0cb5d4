package io.github.bnconsistency.report;

/**
 * How far the outputs of a model whose moving statistics converged would still stray from the reference, from
 * sampling noise alone: the moving average is itself an average over a limited number of random batches (about
 * {@code (1 + decay) / (1 - decay)} of them), and the reference's targets are measured on a limited probe. Measured
 * with {@link #draws()} copies of the model whose statistics stray from the targets as much as that noise makes them
 * (each draw one training-size batch's deviation, at every layer at once, scaled to the noise of the moving average
 * plus that of the probe's targets), run on the probe next to the reference. An output check counts a difference
 * up to the allowance as noise, and only when every layer's statistics are themselves within tolerance or noise.
 * Not measured when every layer's statistics are within their noise floors on every channel (then those statistics
 * already make the difference noise: {@link Reference#withinStatisticsNoise()}) unless asked for
 * ({@code InspectionOptions.withOutputNoiseBand()}); when measured, the allowance decides.
 * Measured too when the only layers off are ones the reference normalizes with their targets, and kept then only
 * when the outputs are within every allowance (those layers are then judged {@link LayerStatus#WITHIN_NOISE}).
 *
 * <pre>{@code
 * BatchNormInspector.inspect(model, validation).reference().noise()
 *         .ifPresent(n -> System.out.println("noise alone: up to " + Numbers.format(n.maxAbsDifference())));
 * }</pre>
 *
 * @param draws                  how many noise draws were run
 * @param medianMaxAbsDifference the median over the draws of their max {@code |y_reference - y_draw|}
 * @param maxAbsDifference       the allowance: {@value #ALLOWANCE_FACTOR} times that median
 * @param medianDisagreement     the median over the draws of the fraction of classified examples whose argmax
 *                               differs from the reference's (NaN when the outputs are not class scores)
 * @param disagreement           the allowance: {@value #ALLOWANCE_FACTOR} times that median, or, when more, the 99%
 *                               point of a Poisson count with the draws' mean count of changed predictions (at
 *                               least 0.5), over the classified examples: changed predictions are rare counts
 * @param accuracyGap            the allowance for the accuracy gap (a fraction, not points): {@value
 *                               #ALLOWANCE_FACTOR} times the median of the draws' gaps, or the same Poisson point
 *                               for the gap's count; NaN without labels
 */
public record OutputNoise(
        int draws,
        double medianMaxAbsDifference,
        double maxAbsDifference,
        double medianDisagreement,
        double disagreement,
        double accuracyGap) {

    /**
     * Allowance over the median draw. Measured against the real process (a converged dense model's weights held and
     * training continued: 36 snapshots on 3 seeds, probed with 192 validation examples), the largest difference was
     * 1.6 times the draws' median; three leaves room for the error of a median of 8 draws.
     */
    public static final double ALLOWANCE_FACTOR = 3.0;
}
