package io.github.bnconsistency.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.bnconsistency.internal.NoiseThreshold;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.UpdatesNeeded;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DivergenceMathTest {

    @Test
    void hand_worked_example() {
        // mu* = 1, v* = 4, mu_M = 0, v_M = 1, eps = 0: s* = 2, s_M = 1
        assertThat(DivergenceMath.meanShift(1, 4, 0, 0)).isEqualTo(0.5);
        assertThat(DivergenceMath.varianceRatio(4, 1, 0)).isEqualTo(0.25);
        // sqrt((2/1 - 1)^2 + ((1 - 0)/1)^2) = sqrt(2)
        assertThat(DivergenceMath.divergence(1, 4, 0, 1, 0)).isCloseTo(Math.sqrt(2), within(1e-15));
        assertThat(DivergenceMath.divergence(3, 2, 3, 2, 1e-5)).isZero();
    }

    @Test
    void eps_keeps_a_dead_channel_finite() {
        // constant input (variance 0) against moving variance 0: both normalize by sqrt(eps)
        assertThat(DivergenceMath.divergence(0.5, 0, 0.5, 0, 1e-5)).isZero();
        assertThat(DivergenceMath.divergence(0.5, 0, 0.5, 1, 1e-5)).isFinite();
    }

    @Test
    void updates_needed_equals_stepping_one_iteration_at_a_time() {
        Random random = new Random(17);
        for (int trial = 0; trial < 200; trial++) {
            double decay = 0.5 + 0.499 * random.nextDouble();
            double eps = 1e-3;
            double tolerance = 0.01 + 0.2 * random.nextDouble();
            List<ChannelFinding> channels = new ArrayList<>();
            for (int c = 0; c < 1 + random.nextInt(4); c++) {
                channels.add(channel(
                        c,
                        random.nextGaussian(),
                        0.01 + 3 * random.nextDouble(),
                        3 * random.nextGaussian(),
                        0.01 + 10 * random.nextDouble(),
                        eps));
            }

            UpdatesNeeded estimate = DivergenceMath.updatesNeeded(channels, decay, eps, tolerance);

            assertThat(estimate.iterations())
                    .as("trial %d", trial)
                    .isEqualTo(steppedUpdates(channels, decay, eps, tolerance));
        }
    }

    @Test
    void decay_of_one_never_converges_and_nan_statistics_are_never_converged() {
        List<ChannelFinding> off = List.of(channel(0, 1, 1, 0, 1, 1e-5));
        assertThat(DivergenceMath.updatesNeeded(off, 1.0, 1e-5, 0.05).kind()).isEqualTo(UpdatesNeeded.Kind.NEVER);
        List<ChannelFinding> corrupted = List.of(channel(0, 1, 1, Double.NaN, 1, 1e-5));
        assertThat(DivergenceMath.updatesNeeded(corrupted, 0.9, 1e-5, 0.05))
                .isEqualTo(UpdatesNeeded.never("statistics are not finite"));
        assertThat(DivergenceMath.updatesNeeded(List.of(channel(0, 1, 1, 1, 1, 1e-5)), 0.9, 1e-5, 0.05))
                .isEqualTo(UpdatesNeeded.none());
    }

    @Test
    void noise_floor_of_the_moving_average_and_of_the_probe_estimate() {
        // sigma_m = 0.2, sigma_v = 0.4, v* = 1, eps = 0, decay 0.9, 4 batches: f^2 = 0.1/1.9 + 1/4
        double f = Math.sqrt(0.1 / 1.9 + 0.25);
        double expected = Math.sqrt(Math.pow(0.2 * f, 2) + Math.pow(0.4 * f / 2, 2));
        assertThat(DivergenceMath.noiseFloor(1, 0.2, 0.4, 0.9, 0, 4, true)).isCloseTo(expected, within(1e-15));
        // a frozen layer's statistics do not fluctuate: only the estimate's uncertainty remains
        double frozen = Math.sqrt(Math.pow(0.2 * 0.5, 2) + Math.pow(0.4 * 0.5 / 2, 2));
        assertThat(DivergenceMath.noiseFloor(1, 0.2, 0.4, 0.9, 0, 4, false)).isCloseTo(frozen, within(1e-15));
        // one training-size batch's worth of probe examples still has a floor: f^2 = 0.1/1.9 + 1
        double one = Math.sqrt(0.1 / 1.9 + 1);
        assertThat(DivergenceMath.noiseFloor(1, 0.2, 0.4, 0.9, 0, 1, true))
                .isCloseTo(Math.hypot(0.2 * one, 0.4 * one / 2), within(1e-15));
        // nothing known about the spread: no floor
        assertThat(DivergenceMath.noiseFloor(1, 0.2, 0.4, 0.9, 0, 0, true)).isZero();
    }

    @Test
    void noise_threshold_is_the_bonferroni_normal_quantile() {
        // reference quantiles from Python's statistics.NormalDist().inv_cdf(1 - 0.01 / (2 * channels))
        assertThat(NoiseThreshold.forChannels(1)).isCloseTo(2.5758293035489, within(1e-7));
        assertThat(NoiseThreshold.forChannels(64)).isCloseTo(3.7809198112947677, within(1e-7));
        assertThat(NoiseThreshold.inverseStandardNormal(0.975)).isCloseTo(1.959964, within(1e-6));
        assertThat(NoiseThreshold.inverseStandardNormal(0.001)).isCloseTo(-3.090232, within(1e-6));
    }

    private static ChannelFinding channel(int c, double mu, double v, double muM, double vM, double eps) {
        return new ChannelFinding(c, mu, v, muM, vM, 0, 0, 0, 0, DivergenceMath.divergence(mu, v, muM, vM, eps), 0, 0);
    }

    private static long steppedUpdates(List<ChannelFinding> channels, double decay, double eps, double tolerance) {
        double[] mean =
                channels.stream().mapToDouble(ChannelFinding::movingMean).toArray();
        double[] variance =
                channels.stream().mapToDouble(ChannelFinding::movingVariance).toArray();
        for (long k = 0; ; k++) {
            double max = 0;
            for (int c = 0; c < mean.length; c++) {
                ChannelFinding ch = channels.get(c);
                max = Math.max(
                        max, DivergenceMath.divergence(ch.batchMean(), ch.batchVariance(), mean[c], variance[c], eps));
            }
            if (max <= tolerance) {
                return k;
            }
            for (int c = 0; c < mean.length; c++) { // one EMA step, as DL4J's fit does
                mean[c] = decay * mean[c] + (1 - decay) * channels.get(c).batchMean();
                variance[c] =
                        decay * variance[c] + (1 - decay) * channels.get(c).batchVariance();
            }
        }
    }
}
