package io.github.bnconsistency.engine;

import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.UpdatesNeeded;

import java.util.List;

/**
 * The numbers of DESIGN.md, in double precision, for one channel or one layer. Pure functions.
 */
public final class DivergenceMath {

    /** Beyond this many iterations an estimate is meaningless; reported as the cap. */
    static final long MAX_ESTIMATED_UPDATES = 1L << 40;

    private DivergenceMath() {
    }

    /** {@code |mu* - mu_M| / sqrt(v* + eps)}. */
    public static double meanShift(double batchMean, double batchVariance, double movingMean, double eps) {
        return Math.abs(batchMean - movingMean) / Math.sqrt(batchVariance + eps);
    }

    /** {@code (v_M + eps) / (v* + eps)}. */
    public static double varianceRatio(double batchVariance, double movingVariance, double eps) {
        return (movingVariance + eps) / (batchVariance + eps);
    }

    /** {@code sqrt((s* / s_M - 1)^2 + ((mu* - mu_M)/s_M)^2)} with {@code s = sqrt(v + eps)}. */
    public static double divergence(double batchMean, double batchVariance, double movingMean,
                                    double movingVariance, double eps) {
        double sBatch = Math.sqrt(batchVariance + eps);
        double sMoving = Math.sqrt(movingVariance + eps);
        double scale = sBatch / sMoving - 1;
        double shift = (batchMean - movingMean) / sMoving;
        return Math.sqrt(scale * scale + shift * shift);
    }

    /**
     * How far the moving average strays from its target through sampling alone: the EMA of i.i.d. batch
     * statistics with spread {@code sigma} has a stationary standard deviation
     * {@code sigma * sqrt((1-decay)/(1+decay))}. Expressed in divergence units by the first-order expansion
     * of {@link #divergence}: a mean error {@code e_m} costs {@code e_m/s*}, a variance error {@code e_v}
     * costs {@code e_v / (2 (v* + eps))}.
     */
    public static double noiseFloor(double batchVariance, double batchMeanSpread, double batchVarianceSpread,
                                    double decay, double eps) {
        double factor = Math.sqrt((1 - decay) / (1 + decay));
        double meanTerm = batchMeanSpread * factor / Math.sqrt(batchVariance + eps);
        double varianceTerm = batchVarianceSpread * factor / (2 * (batchVariance + eps));
        return Math.sqrt(meanTerm * meanTerm + varianceTerm * varianceTerm);
    }

    /**
     * The divergence of a channel after {@code k} more iterations with the same batch statistics: each gap
     * shrinks by {@code decay^k}. (For {@code log10stdev} storage DL4J updates the variance the same way
     * and stores its log, so this holds for both storages.)
     */
    static double divergenceAfter(ChannelFinding c, double decay, double eps, long k) {
        double remaining = Math.pow(decay, k);
        double mean = c.batchMean() + remaining * (c.movingMean() - c.batchMean());
        double variance = c.batchVariance() + remaining * (c.movingVariance() - c.batchVariance());
        return divergence(c.batchMean(), c.batchVariance(), mean, variance, eps);
    }

    /**
     * The smallest number of further iterations after which every channel's divergence is within
     * {@code tolerance}, assuming the batch statistics stay as they are.
     */
    public static UpdatesNeeded updatesNeeded(List<ChannelFinding> channels, double decay, double eps,
                                              double tolerance) {
        double now = maxDivergenceAfter(channels, decay, eps, 0);
        if (Double.isNaN(now)) {
            return UpdatesNeeded.never("statistics are not finite");
        }
        if (channels.isEmpty() || now <= tolerance) {
            return UpdatesNeeded.none();
        }
        if (!(decay < 1)) {
            return UpdatesNeeded.never("decay " + decay + " never moves the statistics");
        }
        if (decay <= 0) {
            return UpdatesNeeded.estimate(1);
        }
        // Exponential search for an upper bound, then bisection: the divergence shrinks with k.
        long high = 1;
        while (maxDivergenceAfter(channels, decay, eps, high) > tolerance) {
            if (high >= MAX_ESTIMATED_UPDATES) {
                return UpdatesNeeded.estimate(MAX_ESTIMATED_UPDATES);
            }
            high *= 2;
        }
        long low = high / 2; // known to exceed the tolerance (or 0)
        while (high - low > 1) {
            long mid = low + (high - low) / 2;
            if (maxDivergenceAfter(channels, decay, eps, mid) > tolerance) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return UpdatesNeeded.estimate(high);
    }

    private static double maxDivergenceAfter(List<ChannelFinding> channels, double decay, double eps, long k) {
        double max = 0;
        for (ChannelFinding c : channels) {
            double d = divergenceAfter(c, decay, eps, k);
            if (!(d <= max)) {
                max = d; // NaN propagates, so corrupted statistics never count as converged
            }
        }
        return max;
    }
}
