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

    /** The false-alarm rate for a whole layer at which a divergence counts as more than sampling noise. */
    static final double NOISE_FALSE_ALARM_RATE = 0.01;

    /**
     * How many noise floors a channel's divergence may reach before it is more than sampling noise, for a layer of
     * {@code channels} channels: the two-sided normal quantile at {@value #NOISE_FALSE_ALARM_RATE} / channels
     * (Bonferroni over channels, so the whole layer is falsely blamed at most 1% of the time). A divergence is the
     * norm of two such errors; one error carrying all the noise is the worst case, which this bound covers.
     */
    public static double noiseThreshold(int channels) {
        return inverseStandardNormal(1 - NOISE_FALSE_ALARM_RATE / (2.0 * Math.max(1, channels)));
    }

    /** Acklam's rational approximation of the standard normal quantile (relative error below 1.2e-9). */
    static double inverseStandardNormal(double p) {
        if (!(p > 0 && p < 1)) {
            throw new IllegalArgumentException("p must be in (0, 1): " + p);
        }
        double[] a = {
            -3.969683028665376e+01,
            2.209460984245205e+02,
            -2.759285104469687e+02,
            1.383577518672690e+02,
            -3.066479806614716e+01,
            2.506628277459239e+00
        };
        double[] b = {
            -5.447609879822406e+01,
            1.615858368580409e+02,
            -1.556989798598866e+02,
            6.680131188771972e+01,
            -1.328068155288572e+01
        };
        double[] c = {
            -7.784894002430293e-03,
            -3.223964580411365e-01,
            -2.400758277161838e+00,
            -2.549732539343734e+00,
            4.374664141464968e+00,
            2.938163982698783e+00
        };
        double[] d = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
        double low = 0.02425;
        if (p < low) {
            double q = Math.sqrt(-2 * Math.log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                    / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low) {
            return -inverseStandardNormal(1 - p);
        }
        double q = p - 0.5;
        double r = q * q;
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
                * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
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
