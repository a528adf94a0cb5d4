package io.github.bnconsistency.report;

/**
 * One channel of one BatchNormalization layer: the statistics the moving average converges to on the probe
 * data, the moving statistics the layer holds, and how far apart they are.
 *
 * <p>With {@code s = sqrt(v + eps)}: {@code meanShift = |mu* - mu_M| / s*},
 * {@code varianceRatio = (v_M + eps) / (v* + eps)} and
 * {@code divergence = sqrt((s* / s_M - 1)^2 + ((mu* - mu_M)/s_M)^2)}, the RMS difference between the
 * inference-normalized and the training-normalized activation in units of the latter.
 *
 * @param channel             channel index
 * @param batchMean           {@code mu*}: the target mean, what the moving mean converges to: the average over
 *                            training-size batches of the training-path batch mean
 * @param batchVariance       {@code v*}: the target variance: the average over training-size batches of the biased
 *                            batch variance (from the probe's own batches when they have the training size, else
 *                            {@code W + (1 - 1/n) S^2} from the per-example statistics)
 * @param movingMean          {@code mu_M}: the layer's moving mean
 * @param movingVariance      {@code v_M}: the layer's moving variance (decoded from {@code log10stdev} if stored so)
 * @param batchMeanSpread     standard deviation of the batch mean over training-size batches, from the per-example
 *                            statistics ({@code S / sqrt(n)}; 0 with one example)
 * @param batchVarianceSpread standard deviation of the biased batch variance over training-size batches, to first
 *                            order from the per-example statistics (0 with one example)
 * @param meanShift           {@code |mu* - mu_M| / s*}, in batch standard deviations
 * @param varianceRatio       {@code (v_M + eps) / (v* + eps)}
 * @param divergence          the normalized divergence {@code delta_c}
 * @param inferenceInputDrift RMS difference between the layer's input at inference and in training, in batch
 *                            standard deviations: how much drift the layer inherits from earlier layers
 *                            (NaN when it cannot be read back)
 * @param noiseFloor          the standard deviation of the divergence that sampling alone produces: the moving
 *                            average's fluctuation around its target plus the uncertainty of {@code mu*} and
 *                            {@code v*} from the probe examples (0 when unknown, i.e. with a single example)
 */
public record ChannelFinding(
        int channel,
        double batchMean,
        double batchVariance,
        double movingMean,
        double movingVariance,
        double batchMeanSpread,
        double batchVarianceSpread,
        double meanShift,
        double varianceRatio,
        double divergence,
        double inferenceInputDrift,
        double noiseFloor) {

    /**
     * This channel with another inference input drift.
     *
     * @param drift the input drift at inference, in batch standard deviations
     * @return a copy of this finding with that drift
     */
    public ChannelFinding withInferenceInputDrift(double drift) {
        return new ChannelFinding(
                channel,
                batchMean,
                batchVariance,
                movingMean,
                movingVariance,
                batchMeanSpread,
                batchVarianceSpread,
                meanShift,
                varianceRatio,
                divergence,
                drift,
                noiseFloor);
    }
}
