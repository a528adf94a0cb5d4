package io.github.bnconsistency.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.bnconsistency.internal.NoiseThreshold;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Known answers for {@link LayerFinding#everyChannelWithinNoise()}, the test that lets the statistics alone make an
 * output difference noise: each channel within the Bonferroni threshold times its floor, whatever the tolerance; a
 * channel whose every value was alike says nothing and counts as within. The threshold comes from outside the code:
 * Python's {@code NormalDist().inv_cdf}.
 */
class EveryChannelWithinNoiseTest {

    @Test
    void sixteen_channels_each_within_its_threshold_are_noise() {
        // the threshold for 16 channels, NormalDist().inv_cdf(1 - 0.01 / 32) = 3.4205
        assertThat(NoiseThreshold.forChannels(16)).isCloseTo(3.4205, within(1e-3));
        assertThat(layer(16, 3.4, 0.05).everyChannelWithinNoise()).isTrue();
    }

    @Test
    void a_channel_within_the_tolerance_but_beyond_its_floors_is_not_noise() {
        List<ChannelFinding> channels = channels(16, 0.5);
        channels.set(5, channel(5, 4.0, 0.01)); // divergence 0.04 <= tolerance 0.05, yet 4 floors of 0.01
        assertThat(layer(channels, 0.05).everyChannelWithinNoise()).isFalse();
        assertThat(layer(channels, 0.05).withinNoiseFloors()).isTrue(); // the per-layer verdict: within tolerance
    }

    @Test
    void one_channel_beyond_its_threshold_is_not_noise() {
        List<ChannelFinding> channels = channels(16, 0.5);
        channels.set(3, channel(3, 3.5, 0.1)); // 3.5 floors > 3.42
        assertThat(layer(channels, 0.05).everyChannelWithinNoise()).isFalse();
    }

    @Test
    void a_channel_with_no_floor_says_nothing_against_the_statistics() {
        List<ChannelFinding> channels = channels(4, 0.5);
        // every value alike in the probe (a silent ReLU unit): no spread, no floor, as in the per-layer verdict
        channels.set(0, new ChannelFinding(0, 0, 0, 0.3, 0.01, 0, 0, 0, 1, 3.0, 0, 0));
        assertThat(layer(channels, 0.05).everyChannelWithinNoise()).isTrue();
        assertThat(layer(channels, 0.05).withinNoiseFloors()).isTrue();
        // a channel that varies but has no floor is not measured against noise: not within
        channels.set(0, new ChannelFinding(0, 0, 1, 0.3, 1, 0.1, 0.1, 0, 1, 0.3, 0, 0));
        assertThat(layer(channels, 0.05).everyChannelWithinNoise()).isFalse();
    }

    @Test
    void an_unmeasured_or_empty_layer_is_not_noise() {
        assertThat(layer(List.of(), 0.05).everyChannelWithinNoise()).isFalse();
    }

    private static List<ChannelFinding> channels(int count, double floorsOff) {
        List<ChannelFinding> channels = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            channels.add(channel(c, floorsOff, 0.1));
        }
        return channels;
    }

    /** A channel {@code floorsOff} noise floors of {@code floor} away from its targets. */
    private static ChannelFinding channel(int c, double floorsOff, double floor) {
        return new ChannelFinding(c, 0, 1, 0, 1, 0.1, 0.1, 0, 1, floorsOff * floor, 0, floor);
    }

    private static LayerFinding layer(int count, double floorsOff, double tolerance) {
        return layer(channels(count, floorsOff), tolerance);
    }

    private static LayerFinding layer(List<ChannelFinding> channels, double tolerance) {
        return new LayerFinding(
                "bn",
                1,
                "layer index 1",
                0.9,
                1e-5,
                StatisticsStorage.VARIANCE,
                ChannelLayout.DENSE,
                Optional.empty(),
                false,
                Optional.empty(),
                channels,
                LayerStatus.WITHIN_NOISE,
                tolerance,
                UpdatesNeeded.none(),
                channels.stream().mapToDouble(ChannelFinding::noiseFloor).max().orElse(0));
    }
}
