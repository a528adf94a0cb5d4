package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelLayout;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-channel statistics of one BatchNormalization input on one mini-batch, computed in double exactly as
 * DL4J's training path defines them: mean and <em>biased</em> variance over every axis but the channel's.
 *
 * @param mean             per-channel batch mean
 * @param variance         per-channel biased batch variance
 * @param squaredDrift     per-channel sum of {@code (x_inference - x_training)^2}, NaN when unreadable
 * @param valuesPerChannel values each channel's statistics average over
 * @param exampleMeans     each example's mean per channel, row-major {@code [examples, channels]}
 * @param exampleVariances each example's within-example biased variance per channel (0 for dense input)
 * @param examples         examples in the batch
 */
record BatchMoments(
        double[] mean,
        double[] variance,
        double[] squaredDrift,
        long valuesPerChannel,
        double[] exampleMeans,
        double[] exampleVariances,
        int examples) {

    /** The layout DL4J applies to an input of this rank for a layer of this format. */
    static ChannelLayout layoutOf(INDArray input, CNN2DFormat format) {
        boolean nhwc = format == CNN2DFormat.NHWC;
        return switch (input.rank()) {
            case 2 -> ChannelLayout.DENSE;
            case 3 -> nhwc ? ChannelLayout.SEQUENCE_CHANNELS_LAST : ChannelLayout.SEQUENCE_CHANNELS_FIRST;
            case 4 -> nhwc ? ChannelLayout.NHWC : ChannelLayout.NCHW;
            default -> ChannelLayout.UNKNOWN;
        };
    }

    /**
     * The moments of a site's training-path input as read inside a pass ({@link SiteTap}) or a listener's
     * activations, in double, read in place ({@link InPlaceGrid}: no copy of the input, no ND4J op): per example the
     * mean and biased within-example variance per channel, and from them the batch's (its mean is their mean, its
     * biased variance their mean within-example variance plus the biased variance of their means: every example has
     * as many values per channel). The squared drift is NaN: {@link #withDrift} sets it.
     */
    static BatchMoments inPass(INDArray training, ChannelLayout layout) {
        InPlaceGrid grid = InPlaceGrid.every(training, layout);
        int channels = grid.channels();
        int examples = grid.examples();
        double[] exampleMeans = new double[examples * channels];
        double[] exampleVariances = new double[exampleMeans.length];
        grid.exampleMoments(exampleMeans, exampleVariances);
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        for (int n = 0; n < examples; n++) {
            for (int c = 0; c < channels; c++) {
                mean[c] += exampleMeans[n * channels + c];
            }
        }
        for (int c = 0; c < channels; c++) {
            mean[c] /= examples;
        }
        for (int n = 0; n < examples; n++) {
            for (int c = 0; c < channels; c++) {
                double d = exampleMeans[n * channels + c] - mean[c];
                variance[c] += exampleVariances[n * channels + c] + d * d;
            }
        }
        for (int c = 0; c < channels; c++) {
            variance[c] /= examples;
        }
        double[] drift = new double[channels];
        java.util.Arrays.fill(drift, Double.NaN);
        return new BatchMoments(
                mean, variance, drift, training.length() / channels, exampleMeans, exampleVariances, examples);
    }

    /** These moments with the per-channel squared drift sums measured against the inference path. */
    BatchMoments withDrift(double[] squaredDriftSums) {
        return new BatchMoments(
                mean, variance, squaredDriftSums, valuesPerChannel, exampleMeans, exampleVariances, examples);
    }

    /** Frees an array the engine made, now; views and workspace arrays are left to their owners. */
    static void release(INDArray array) {
        if (array != null && array.closeable()) {
            array.close();
        }
    }
}
