package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.LayerFinding;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Whether a BatchNormalization layer's moving statistics moved over one {@code fit()} iteration as its decay says:
 * {@code new = d*old + (1-d)*batch}, for the batch mean and the biased batch variance of that iteration's
 * training-path input (what DL4J's {@code backpropGradient} computes; in {@code log10stdev} storage DL4J computes the
 * same update in variance space and stores its logarithm, so the decoded variance follows it too).
 *
 * <p>Per layer, the observed step {@code old - new} is fitted to the expected step {@code (1-d)(old - batch)} by least
 * squares over its channels and both statistics, each in units of the batch's own scale (mean steps over
 * {@code sqrt(v + eps)}, variance steps over {@code v + eps}): the ratio {@code r} is 1 when the update follows, 0
 * for a layer that does not update, {@code 1/n} for updates divided by the batch size, {@code d/(1-d)} for an update
 * that swapped {@code d} and {@code 1-d}. The effective decay is {@code 1 - r(1-d)}.
 *
 * <p>The tolerance: DL4J's update is exact algebra, so in exact arithmetic {@code r = 1}; what separates them is
 * rounding. Each entry's rounding is bounded by {@link #ROUNDING_HEADROOM} units in the last place of the model's data
 * type times the sizes involved ({@code |old| + |new| + |batch|}, in the same units): the batch statistics DL4J
 * computes in the model's type over the batch's values, and the log and power of {@code log10stdev} storage, stay
 * well inside it. Through the fit, the worst case gives a bound {@code B} on the error of {@code r}; a layer is
 * judged only when {@code B <= } {@link #MAX_BOUND} (the steps are large enough to measure) and flagged when
 * {@code |r - 1| > } {@link #TOLERANCE} {@code + 10 B}. The real failures sit far outside that: 0 (frozen), at most
 * 1/2 (divided by a batch size of 2 or more), 9 or 99 (decay swapped at 0.9 or 0.99), and gradient normalization's
 * arbitrary rescaling.
 */
public final class UpdateAudit {

    /** Units in the last place allowed per entry, for the batch statistics' accumulation and log-std decoding. */
    static final double ROUNDING_HEADROOM = 64;

    /** Rounding bounds above this leave the steps too small to judge: no verdict for that iteration. */
    static final double MAX_BOUND = 0.05;

    /** The deviation of the step ratio from 1 beyond which, with the rounding bound added, a layer is flagged. */
    static final double TOLERANCE = 0.05;

    private UpdateAudit() {}

    /**
     * One layer's audit at one iteration.
     *
     * @param layer          the layer's name
     * @param decay          its configured decay
     * @param stepRatio      the observed step over the expected one ({@code r}); NaN when not measurable
     * @param effectiveDecay {@code 1 - r(1-d)}; NaN when not measurable
     * @param bound          the rounding bound on {@code r}
     * @param measurable     whether the steps were large enough, and the statistics known, to judge
     */
    public record Result(
            String layer, double decay, double stepRatio, double effectiveDecay, double bound, boolean measurable) {

        /** Whether the layer was judged and its statistics did not move as its decay says. */
        public boolean deviates() {
            return measurable && Math.abs(stepRatio - 1) > TOLERANCE + 10 * bound;
        }

        /** Whether the statistics did not move at all (within the tolerance). */
        public boolean notUpdating() {
            return deviates() && Math.abs(stepRatio) <= TOLERANCE + 10 * bound;
        }
    }

    /** Not judged: e.g. a layer whose input the listener does not see as DL4J's update does. */
    static Result unmeasured(LayerFinding before) {
        return new Result(before.name(), before.decay(), Double.NaN, Double.NaN, Double.NaN, false);
    }

    /**
     * The audit of {@code before} (the layer's finding at the iteration's forward pass: this batch's statistics and
     * the moving statistics then) against the moving statistics after the iteration's update.
     */
    static Result of(LayerFinding before, double[] newMean, double[] newVariance, DataType dataType) {
        double d = before.decay();
        double ulp = unitRoundoff(dataType) * ROUNDING_HEADROOM;
        double product = 0;
        double expectedSquares = 0;
        double roundingWeighted = 0;
        for (ChannelFinding c : before.channels()) {
            int k = c.channel();
            double v = c.batchVariance() + before.eps();
            double meanScale = Math.sqrt(v);
            double[][] entries = {
                {c.movingMean(), newMean[k], c.batchMean(), meanScale},
                {c.movingVariance(), newVariance[k], c.batchVariance(), v}
            };
            for (double[] e : entries) {
                double old = e[0];
                double now = e[1];
                double batch = e[2];
                double scale = e[3];
                double expected = (1 - d) * (old - batch) / scale;
                double observed = (old - now) / scale;
                double rounding = ulp * (Math.abs(old) + Math.abs(now) + Math.abs(batch)) / scale;
                product += observed * expected;
                expectedSquares += expected * expected;
                roundingWeighted += rounding * Math.abs(expected);
            }
        }
        if (!(expectedSquares > 0) || !Double.isFinite(product)) {
            return unmeasured(before);
        }
        double r = product / expectedSquares;
        double bound = roundingWeighted / expectedSquares; // the worst case: every entry's rounding against r
        return new Result(before.name(), d, r, 1 - r * (1 - d), bound, bound <= MAX_BOUND);
    }

    /** Half the distance from 1 to the next value of {@code type}. */
    static double unitRoundoff(DataType type) {
        return switch (type) {
            case DOUBLE -> 0x1.0p-53;
            case HALF -> 0x1.0p-11;
            case BFLOAT16 -> 0x1.0p-8;
            default -> 0x1.0p-24;
        };
    }
}
