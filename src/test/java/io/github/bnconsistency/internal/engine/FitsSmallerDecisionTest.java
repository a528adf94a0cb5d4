package io.github.bnconsistency.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.Reference.BatchSizeEstimate;
import io.github.bnconsistency.report.Reference.BatchSizeSource;
import io.github.bnconsistency.report.StatisticsStorage;
import io.github.bnconsistency.report.UpdatesNeeded;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The decision rules of {@link BatchSizeSource#FITS_SMALLER} on findings made by hand: a probe of 32, a batch-size
 * estimate that cannot tell (1..infinity), one layer off at 32 and within noise at 8 and below.
 */
class FitsSmallerDecisionTest {

    private static final Optional<BatchSizeEstimate> CANNOT_TELL =
            Optional.of(new BatchSizeEstimate("bn", 1, 1, Double.POSITIVE_INFINITY, 8));

    private static LayerFinding layer(LayerStatus status, double decay, boolean frozen) {
        ChannelFinding channel = new ChannelFinding(0, 0, 1, 0.1, 1, 0.1, 0.1, 0.1, 1, 0.1, 0, 0.01);
        return new LayerFinding(
                "bn",
                1,
                "layer index 1",
                decay,
                1e-5,
                StatisticsStorage.VARIANCE,
                ChannelLayout.DENSE,
                Optional.empty(),
                frozen,
                frozen ? Optional.of("frozen") : Optional.empty(),
                List.of(channel),
                status,
                0.05,
                UpdatesNeeded.none(),
                0.01);
    }

    private static BatchSizeDecision decided(
            double decay, boolean frozen, int iterations, Optional<BatchSizeEstimate> e) {
        BatchSizeDecision probe = new BatchSizeDecision(32, BatchSizeSource.PROBE_BATCH_SIZE, e);
        return probe.orFittingEstimate(
                List.of(layer(LayerStatus.NOT_CONVERGED, decay, frozen)),
                false,
                n -> List.of(layer(n <= 8 ? LayerStatus.WITHIN_NOISE : LayerStatus.NOT_CONVERGED, decay, frozen)),
                iterations);
    }

    @Test
    void past_its_warm_up_the_largest_fitting_smaller_size_is_taken() {
        // 0.9^384 is far below the tolerance 0.05: the initial values are forgotten; 16 does not fit, 8 does
        BatchSizeDecision d = decided(0.9, false, 384, CANNOT_TELL);
        assertThat(d.source()).isEqualTo(BatchSizeSource.FITS_SMALLER);
        assertThat(d.size()).isEqualTo(8);
    }

    @Test
    void in_its_warm_up_the_layer_keeps_the_probes_size_and_its_train_longer() {
        // 0.99^96 = 0.38 > 0.05: the moving average still weighs its initial values; a smaller size must not hide it
        BatchSizeDecision d = decided(0.99, false, 96, CANNOT_TELL);
        assertThat(d.source()).isEqualTo(BatchSizeSource.PROBE_BATCH_SIZE);
        assertThat(d.size()).isEqualTo(32);
        // an unknown iteration count counts as none
        assertThat(decided(0.9, false, -1, CANNOT_TELL).source()).isEqualTo(BatchSizeSource.PROBE_BATCH_SIZE);
    }

    @Test
    void a_frozen_layer_keeps_its_own_verdict() {
        assertThat(decided(0.9, true, 384, CANNOT_TELL).source()).isEqualTo(BatchSizeSource.PROBE_BATCH_SIZE);
    }

    @Test
    void an_estimate_that_does_not_reach_below_the_probes_size_leaves_it() {
        Optional<BatchSizeEstimate> atOrAbove =
                Optional.of(new BatchSizeEstimate("bn", 40, 60, Double.POSITIVE_INFINITY, 8));
        assertThat(decided(0.9, false, 384, atOrAbove).source()).isEqualTo(BatchSizeSource.PROBE_BATCH_SIZE);
    }

    @Test
    void nothing_fits_down_to_four_leaves_the_probes_size() {
        BatchSizeDecision probe = new BatchSizeDecision(32, BatchSizeSource.PROBE_BATCH_SIZE, CANNOT_TELL);
        BatchSizeDecision d = probe.orFittingEstimate(
                List.of(layer(LayerStatus.NOT_CONVERGED, 0.9, false)),
                false,
                n -> List.of(layer(n < 4 ? LayerStatus.WITHIN_NOISE : LayerStatus.NOT_CONVERGED, 0.9, false)),
                384);
        assertThat(d.source()).isEqualTo(BatchSizeSource.PROBE_BATCH_SIZE);
    }
}
