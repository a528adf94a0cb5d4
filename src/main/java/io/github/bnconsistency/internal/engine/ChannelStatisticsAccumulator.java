package io.github.bnconsistency.internal.engine;

import java.util.Arrays;

/**
 * Per-channel statistics of one BatchNormalization layer's training-path input over probe mini-batches, in
 * double precision: the average and spread of the batch means and of the biased batch variances (Welford,
 * mergeable with Chan's formula, so partial results from several threads combine exactly), and the squared
 * difference between the inference-path and training-path inputs.
 */
public final class ChannelStatisticsAccumulator {

    private final int channels;
    private long batches;
    private long values;
    private long smallestBatchValues = Long.MAX_VALUE;
    private final double[] meanOfMeans;
    private final double[] m2OfMeans;
    private final double[] meanOfVariances;
    private final double[] m2OfVariances;
    private final double[] squaredDrift;

    public ChannelStatisticsAccumulator(int channels) {
        this.channels = channels;
        this.meanOfMeans = new double[channels];
        this.m2OfMeans = new double[channels];
        this.meanOfVariances = new double[channels];
        this.m2OfVariances = new double[channels];
        this.squaredDrift = new double[channels];
    }

    /**
     * Adds one mini-batch.
     *
     * @param batchMean         per-channel mean of the training-path input
     * @param batchVariance     per-channel biased variance of the training-path input
     * @param squaredDriftSum   per-channel sum of {@code (x_inference - x_training)^2} over the batch
     * @param valuesPerChannel  how many values each channel's statistics average over in this batch
     */
    public void addBatch(double[] batchMean, double[] batchVariance, double[] squaredDriftSum, long valuesPerChannel) {
        batches++;
        values += valuesPerChannel;
        smallestBatchValues = Math.min(smallestBatchValues, valuesPerChannel);
        for (int c = 0; c < channels; c++) {
            double dm = batchMean[c] - meanOfMeans[c];
            meanOfMeans[c] += dm / batches;
            m2OfMeans[c] += dm * (batchMean[c] - meanOfMeans[c]);
            double dv = batchVariance[c] - meanOfVariances[c];
            meanOfVariances[c] += dv / batches;
            m2OfVariances[c] += dv * (batchVariance[c] - meanOfVariances[c]);
            squaredDrift[c] += squaredDriftSum[c];
        }
    }

    /** Adds everything {@code other} accumulated, as if its batches had been added here. */
    public void merge(ChannelStatisticsAccumulator other) {
        if (other.channels != channels) {
            throw new IllegalArgumentException("cannot merge " + other.channels + " channels into " + channels);
        }
        if (other.batches == 0) {
            return;
        }
        long total = batches + other.batches;
        double weight = (double) batches * other.batches / total;
        for (int c = 0; c < channels; c++) {
            double dm = other.meanOfMeans[c] - meanOfMeans[c];
            meanOfMeans[c] += dm * other.batches / total;
            m2OfMeans[c] += other.m2OfMeans[c] + dm * dm * weight;
            double dv = other.meanOfVariances[c] - meanOfVariances[c];
            meanOfVariances[c] += dv * other.batches / total;
            m2OfVariances[c] += other.m2OfVariances[c] + dv * dv * weight;
            squaredDrift[c] += other.squaredDrift[c];
        }
        batches = total;
        values += other.values;
        smallestBatchValues = Math.min(smallestBatchValues, other.smallestBatchValues);
    }

    public int channels() {
        return channels;
    }

    public long batches() {
        return batches;
    }

    /** Values per channel over all batches. */
    public long values() {
        return values;
    }

    /** The fewest values per channel in any one batch (1 for a dense layer fed one example at a time). */
    public long smallestBatchValues() {
        return batches == 0 ? 0 : smallestBatchValues;
    }

    /** {@code mu*}: the unweighted average of the batch means. */
    public double batchMean(int channel) {
        return meanOfMeans[channel];
    }

    /** {@code v*}: the unweighted average of the biased batch variances. */
    public double batchVariance(int channel) {
        return meanOfVariances[channel];
    }

    /** Sample standard deviation of the batch means across batches (0 with one batch). */
    public double batchMeanSpread(int channel) {
        return batches < 2 ? 0 : Math.sqrt(m2OfMeans[channel] / (batches - 1));
    }

    /** Sample standard deviation of the batch variances across batches (0 with one batch). */
    public double batchVarianceSpread(int channel) {
        return batches < 2 ? 0 : Math.sqrt(m2OfVariances[channel] / (batches - 1));
    }

    /** RMS of {@code x_inference - x_training} over all values of the channel. */
    public double rmsDrift(int channel) {
        return values == 0 ? Double.NaN : Math.sqrt(squaredDrift[channel] / values);
    }

    @Override
    public String toString() {
        return "ChannelStatisticsAccumulator[batches=" + batches + ", mu*=" + Arrays.toString(meanOfMeans) + ", v*="
                + Arrays.toString(meanOfVariances) + "]";
    }
}
