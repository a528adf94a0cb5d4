package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.UpdatesNeeded;
import java.util.List;

/**
 * The numbers of ARCHITECTURE.md (metric definitions), in double precision, for one channel or one layer. Pure functions.
 */
public final class DivergenceMath {

    /** Beyond this many iterations an estimate is meaningless; reported as the cap. */
    static final long MAX_ESTIMATED_UPDATES = 1L << 40;

    private DivergenceMath() {}

    /** {@code |mu* - mu_M| / sqrt(v* + eps)}. */
    public static double meanShift(double batchMean, double batchVariance, double movingMean, double eps) {
        return Math.abs(batchMean - movingMean) / Math.sqrt(batchVariance + eps);
    }

    /** {@code (v_M + eps) / (v* + eps)}. */
    public static double varianceRatio(double batchVariance, double movingVariance, double eps) {
        return (movingVariance + eps) / (batchVariance + eps);
    }

    /** {@code sqrt((s* / s_M - 1)^2 + ((mu* - mu_M)/s_M)^2)} with {@code s = sqrt(v + eps)}. */
    public static double divergence(
            double batchMean, double batchVariance, double movingMean, double movingVariance, double eps) {
        double sBatch = Math.sqrt(batchVariance + eps);
        double sMoving = Math.sqrt(movingVariance + eps);
        double scale = sBatch / sMoving - 1;
        double shift = (batchMean - movingMean) / sMoving;
        return Math.sqrt(scale * scale + shift * shift);
    }

    /**
     * The standard deviation of a channel's divergence that mini-batch sampling alone produces. Two sources: the
     * moving average of i.i.d. batch statistics with spread {@code sigma} (over batches of the training size)
     * fluctuates around its target with standard deviation {@code sigma * sqrt((1-decay)/(1+decay))} (when it updates
     * at all), and the target is itself estimated from the probe, as from {@code batches} training-size batches, with
     * standard deviation {@code sigma / sqrt(batches)}. Expressed in divergence units by the first-order expansion of
     * {@link #divergence}: a mean error {@code e_m} costs {@code e_m/s*}, a variance error {@code e_v} costs
     * {@code e_v / (2 (v* + eps))}.
     *
     * @param batches how many training-size batches the probe examples make (examples / batch size)
     * @return the noise floor, or 0 when it cannot be estimated (no spread known)
     */
    public static double noiseFloor(
            double batchVariance,
            double batchMeanSpread,
            double batchVarianceSpread,
            double decay,
            double eps,
            double batches,
            boolean movingAverageUpdates) {
        if (!(batches > 0)) {
            return 0;
        }
        double factor = Math.sqrt((movingAverageUpdates ? (1 - decay) / (1 + decay) : 0) + 1.0 / batches);
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
    public static UpdatesNeeded updatesNeeded(
            List<ChannelFinding> channels, double decay, double eps, double tolerance) {
        Search key = new Search(List.copyOf(channels), decay, eps, tolerance);
        synchronized (RECENT) {
            UpdatesNeeded known = RECENT.get(key);
            if (known != null) {
                return known;
            }
        }
        UpdatesNeeded result = searchUpdatesNeeded(channels, decay, eps, tolerance);
        synchronized (RECENT) {
            RECENT.put(key, result);
        }
        return result;
    }

    /** One search's inputs, compared by value: a check judges the same layers at the same size two or three times. */
    private record Search(List<ChannelFinding> channels, double decay, double eps, double tolerance) {}

    /** The last searches (a few checks' worth): the same findings judged again cost a lookup, not a search. */
    private static final java.util.Map<Search, UpdatesNeeded> RECENT = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Search, UpdatesNeeded> eldest) {
            return size() > 64;
        }
    };

    private static UpdatesNeeded searchUpdatesNeeded(
            List<ChannelFinding> channels, double decay, double eps, double tolerance) {
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
        int[] hint = {0}; // the channel that exceeded last: tried first, as it usually exceeds again
        long high = 1;
        while (exceedsAfter(channels, decay, eps, high, tolerance, hint)) {
            if (high >= MAX_ESTIMATED_UPDATES) {
                return UpdatesNeeded.estimate(MAX_ESTIMATED_UPDATES);
            }
            high *= 2;
        }
        long low = high / 2; // known to exceed the tolerance (or 0)
        while (high - low > 1) {
            long mid = low + (high - low) / 2;
            if (exceedsAfter(channels, decay, eps, mid, tolerance, hint)) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return UpdatesNeeded.estimate(high);
    }

    /** Whether some channel's divergence after {@code k} updates exceeds the tolerance (stops at the first). */
    private static boolean exceedsAfter(
            List<ChannelFinding> channels, double decay, double eps, long k, double tolerance, int[] hint) {
        if (divergenceAfter(channels.get(hint[0]), decay, eps, k) > tolerance) {
            return true;
        }
        for (int i = 0; i < channels.size(); i++) {
            if (divergenceAfter(channels.get(i), decay, eps, k) > tolerance) {
                hint[0] = i;
                return true;
            }
        }
        return false;
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
