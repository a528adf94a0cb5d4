package io.github.bnconsistency.internal.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * Samples of how far one training-size batch's statistics stray, taken at every BatchNormalization site of the same
 * training-path batch at once, so that channels and layers stray together as the moving average's do (a batch with
 * more examples of one class shifts every channel it touches, and each layer's statistics are those of inputs the
 * layers before it normalized with the same batch's). Filled by the statistics sweep with its first {@link #DRAWS}
 * whole training batches (no pass of its own), or, when the probe makes fewer, by a bootstrap: batches of the
 * training size drawn with replacement from the probe's examples, each run on the training path; those deviate from
 * their own average (their mean is biased low by the resampling), times {@code sqrt(K / (K - 1))}.
 */
final class NoiseSamples {

    /** How many draws a noise band is measured from. */
    static final int DRAWS = 8;

    private final List<double[][]> means = new ArrayList<>(); // [batch][site] -> per channel, null when unmeasured
    private final List<double[][]> variances = new ArrayList<>();
    private final int sites;
    private final boolean centered;
    private long batchSize = -1;
    private boolean collecting;

    /** Samples from the sweep's batches, deviating from the targets. */
    NoiseSamples(int sites) {
        this(sites, false);
    }

    private NoiseSamples(int sites, boolean centered) {
        this.sites = sites;
        this.centered = centered;
    }

    /** Bootstrap samples, deviating from their own average. */
    static NoiseSamples bootstrap(int sites) {
        return new NoiseSamples(sites, true);
    }

    /** Starts a training-path batch of {@code examples} examples; the first one's size is the one sampled. */
    void startBatch(long examples) {
        if (batchSize < 0) {
            batchSize = examples;
        }
        collecting = examples == batchSize && means.size() < DRAWS;
        if (collecting) {
            means.add(new double[sites][]);
            variances.add(new double[sites][]);
        }
    }

    /** Counts one site's moments of the current batch. */
    void add(int site, BatchMoments moments) {
        if (collecting) {
            means.get(means.size() - 1)[site] = moments.mean().clone();
            variances.get(variances.size() - 1)[site] = moments.variance().clone();
        }
    }

    /** Whether there are {@link #DRAWS} samples. */
    boolean complete() {
        return means.size() == DRAWS;
    }

    /** Draw {@code k}'s deviation of site {@code s}'s batch mean from {@code target}, or null when unmeasured. */
    double[] meanDeviation(int k, int s, double[] target) {
        return deviation(means, k, s, target);
    }

    /** Draw {@code k}'s deviation of site {@code s}'s batch variance from {@code target}, or null. */
    double[] varianceDeviation(int k, int s, double[] target) {
        return deviation(variances, k, s, target);
    }

    private double[] deviation(List<double[][]> samples, int k, int s, double[] target) {
        double[] value = samples.get(k)[s];
        if (value == null) {
            return null;
        }
        double[] from = centered ? average(samples, s) : target;
        double scale = centered ? Math.sqrt(DRAWS / (DRAWS - 1.0)) : 1;
        double[] d = new double[value.length];
        for (int c = 0; c < value.length; c++) {
            d[c] = scale * (value[c] - from[c]);
        }
        return d;
    }

    private static double[] average(List<double[][]> samples, int s) {
        double[] sum = new double[samples.get(0)[s].length];
        for (double[][] sample : samples) {
            for (int c = 0; c < sum.length; c++) {
                sum[c] += sample[s][c] / samples.size();
            }
        }
        return sum;
    }
}
