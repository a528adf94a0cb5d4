package io.github.bnconsistency.internal.engine;

/**
 * Per-example statistics of one BatchNormalization input, per channel, over every probe example: each example's
 * mean {@code e} and within-example (biased) variance {@code w} over the values it has in the channel (one value
 * for a dense layer, {@code w = 0}; height x width for a convolution). From them the statistics the moving
 * average converges to for batches of any size {@code n}, and how much they vary from batch to batch, even when
 * the probe data came as one batch.
 *
 * <p>For examples drawn at random, a batch of {@code n} has mean {@code E[m_n] = mu} and biased variance
 * {@code E[v_n] = W + (1 - 1/n) S^2} ({@code W} the average within-example variance, {@code S^2} the unbiased
 * variance of the example means). To first order {@code Var(m_n) = S^2 / n} and {@code Var(v_n) = Var(z) / n} with
 * {@code z = w + (e - mu)^2}. Power sums are kept shifted by the first example's values, in double, so that they
 * stay exact enough for activations far from zero.
 */
final class ExampleStatistics {

    private final int channels;
    private long examples;
    private final double[] shift;
    private final double[] sumE;
    private final double[] sumE2;
    private final double[] sumE3;
    private final double[] sumE4;
    private final double[] sumW;
    private final double[] sumW2;
    private final double[] sumWE;
    private final double[] sumWE2;

    ExampleStatistics(int channels) {
        this.channels = channels;
        shift = new double[channels];
        sumE = new double[channels];
        sumE2 = new double[channels];
        sumE3 = new double[channels];
        sumE4 = new double[channels];
        sumW = new double[channels];
        sumW2 = new double[channels];
        sumWE = new double[channels];
        sumWE2 = new double[channels];
    }

    /**
     * Adds a batch's examples.
     *
     * @param means     example means, row-major {@code [examples, channels]}
     * @param variances within-example biased variances, same layout (all 0 for dense input)
     */
    void add(double[] means, double[] variances, int batchExamples) {
        if (examples == 0 && batchExamples > 0) {
            System.arraycopy(means, 0, shift, 0, channels);
        }
        for (int i = 0; i < batchExamples; i++) {
            int row = i * channels;
            for (int c = 0; c < channels; c++) {
                double e = means[row + c] - shift[c];
                double w = variances[row + c];
                double e2 = e * e;
                sumE[c] += e;
                sumE2[c] += e2;
                sumE3[c] += e2 * e;
                sumE4[c] += e2 * e2;
                sumW[c] += w;
                sumW2[c] += w * w;
                sumWE[c] += w * e;
                sumWE2[c] += w * e2;
            }
        }
        examples += batchExamples;
    }

    long examples() {
        return examples;
    }

    /** {@code mu}: the mean over all values of the channel, every example weighing the same. */
    double mean(int c) {
        return shift[c] + sumE[c] / examples;
    }

    /** {@code W}: the average within-example variance. */
    double withinVariance(int c) {
        return sumW[c] / examples;
    }

    /** {@code S^2}: the unbiased variance of the example means (0 with one example). */
    double betweenVariance(int c) {
        if (examples < 2) {
            return 0;
        }
        double a = sumE[c] / examples;
        return Math.max(0, (sumE2[c] - examples * a * a) / (examples - 1));
    }

    /** {@code E[v_n] = W + (1 - 1/n) S^2}: the biased variance batches of {@code n} examples have on average. */
    double targetVariance(int c, long n) {
        return withinVariance(c) + (1 - 1.0 / n) * betweenVariance(c);
    }

    /** The standard deviation of a batch mean over batches of {@code n}: {@code S / sqrt(n)}. */
    double batchMeanSpread(int c, long n) {
        return Math.sqrt(betweenVariance(c) / n);
    }

    /** The standard deviation of a batch's biased variance over batches of {@code n}, to first order. */
    double batchVarianceSpread(int c, long n) {
        if (examples < 2) {
            return 0;
        }
        double count = examples;
        double a = sumE[c] / count; // mu - shift
        double ey2 = sumE2[c] / count;
        double ey3 = sumE3[c] / count;
        double ey4 = sumE4[c] / count;
        double ew = sumW[c] / count;
        double d2 = ey2 - a * a; // E[(e - mu)^2]
        double d4 = ey4 - 4 * a * ey3 + 6 * a * a * ey2 - 3 * a * a * a * a;
        double wd2 = sumWE2[c] / count - 2 * a * sumWE[c] / count + a * a * ew;
        double ez = ew + d2;
        double ez2 = sumW2[c] / count + 2 * wd2 + d4;
        return Math.sqrt(Math.max(0, ez2 - ez * ez) / n);
    }

    /**
     * The batch size whose {@code E[v_n]} equals {@code variance} ({@code n = S^2 / (S^2 - (variance - W))}), or NaN
     * when no batch size gives it: below {@code W} (smaller than even batches of one example give) or at or above
     * {@code W + S^2} (what only infinitely large batches reach), or when the examples do not differ.
     */
    double batchSizeGiving(int c, double variance) {
        double s2 = betweenVariance(c);
        double excess = variance - withinVariance(c);
        if (!(s2 > 0) || !(excess >= 0) || !(excess < s2)) {
            return Double.NaN;
        }
        return s2 / (s2 - excess);
    }

    int channels() {
        return channels;
    }
}
