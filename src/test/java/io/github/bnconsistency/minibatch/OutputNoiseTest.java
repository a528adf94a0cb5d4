package io.github.bnconsistency.minibatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.api.internal.ConsistencyChecks;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.OutputNoise;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The output noise band against the process it models, measured independently of it: a trained model's weights are
 * held still (learning rate 0) and training goes on, so that from then on only the moving statistics change, each
 * snapshot an average of random shuffled batches exactly as at the end of real training. Every snapshot's outputs
 * are compared with the same reference (the weights do not move), which gives the real spread of the differences a
 * converged model shows; the band, measured once from the first snapshot's report alone, must cover it.
 */
class OutputNoiseTest {

    static final double DECAY = 0.9;
    static final int BATCH = 16;
    static final int SNAPSHOTS = 12;

    /**
     * One epoch of 480 examples in batches of 16 is 30 iterations, three times the moving average's memory. Each
     * snapshot is probed two ways: a validation set of 192 (the draws are the sweep's own training batches) and one
     * batch of 16, the training size (the draws are bootstrap batches of its examples). The one batch's band is
     * wider (its targets rest on 16 examples, not 192); measured here it runs about twice the real spread (medians
     * 0.48-0.92 against 0.13-0.45 on these seeds), so only its coverage is pinned: a probe of one small batch is
     * judged leniently, and the report says by how much.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void the_band_covers_the_moving_averages_own_noise(long seed) {
        Snapshots[] s =
                snapshots(seed, MiniBatchModels.blobs(192, seed + 100), MiniBatchModels.blobs(BATCH, seed + 100));
        Snapshots set = s[0];
        Snapshots one = s[1];
        System.out.printf(
                "seed %d validation set: band median %.4f allowance %.4f; observed %s%n",
                seed, set.noise.medianMaxAbsDifference(), set.noise.maxAbsDifference(), set.observed);
        System.out.printf(
                "seed %d one batch: band median %.4f allowance %.4f; observed %s%n",
                seed, one.noise.medianMaxAbsDifference(), one.noise.maxAbsDifference(), one.observed);
        assertCovered(set);
        // every snapshot is the same converged model: the output check must pass it every time, by its statistics
        // alone (two passes) or, where a channel strays beyond its floor, by the band (a fail is a false alarm)
        System.out.printf(
                "seed %d within statistics noise: validation set %s, one batch %s%n",
                seed, set.withinStatisticsNoise, one.withinStatisticsNoise);
        assertThat(set.passes)
                .as("validation set: inferenceMatchesTraining(1e-3)")
                .containsOnly(true);
        assertThat(one.passes).as("one batch: inferenceMatchesTraining(1e-3)").containsOnly(true);
        long beyond = one.observed.stream()
                .filter(d -> d > one.noise.maxAbsDifference())
                .count();
        assertThat(beyond).as("one-batch snapshots beyond the allowance").isLessThanOrEqualTo(1);
        assertThat(one.noise.maxAbsDifference()).isGreaterThan(set.noise.maxAbsDifference());
    }

    private static void assertCovered(Snapshots s) {
        long beyond =
                s.observed.stream().filter(d -> d > s.noise.maxAbsDifference()).count();
        assertThat(beyond).as("snapshots beyond the allowance").isLessThanOrEqualTo(1);
        double observedMedian = s.observed.stream().sorted().toList().get(SNAPSHOTS / 2);
        // the draws model the spread, not just a bound: their median is the real median within a factor of 3
        assertThat(s.noise.medianMaxAbsDifference() / observedMedian).isBetween(1 / 3.0, 3.0);
    }

    /**
     * The band, every snapshot's max |reference - inference|, whether its statistics put that difference down to
     * noise on their own ({@code Reference.withinStatisticsNoise}, which lets the output checks pass it without the
     * band), and whether {@code inferenceMatchesTraining(1e-3)} passes it.
     */
    private record Snapshots(
            OutputNoise noise, List<Double> observed, List<Boolean> withinStatisticsNoise, List<Boolean> passes) {}

    /** Per probe, the band from the first snapshot's report and every snapshot's max |reference - inference|. */
    private static Snapshots[] snapshots(long seed, DataSet... probes) {
        MultiLayerNetwork model = MiniBatchModels.trained(DECAY, BATCH, 12, seed);
        model.setLearningRate(0.0); // from here on only the moving statistics change
        DataSet train = MiniBatchModels.blobs(480, seed);
        // the band even where the statistics already put the difference down to noise, to compare it with the real one
        InspectionOptions options =
                InspectionOptions.defaults().withTrainingBatchSize(BATCH).withOutputNoiseBand();
        OutputNoise[] noise = new OutputNoise[probes.length];
        List<List<Double>> observed = new ArrayList<>();
        List<List<Boolean>> byStatistics = new ArrayList<>();
        List<List<Boolean>> passes = new ArrayList<>();
        for (DataSet ignored : probes) {
            observed.add(new ArrayList<>());
            byStatistics.add(new ArrayList<>());
            passes.add(new ArrayList<>());
        }
        for (int k = 0; k < SNAPSHOTS; k++) {
            model.fit(MiniBatchModels.shuffled(train, BATCH, seed * 7919 + k));
            for (int p = 0; p < probes.length; p++) {
                ConsistencyReport report = BatchNormInspector.inspect(model, ProbeData.of(probes[p]), options);
                if (noise[p] == null) {
                    noise[p] = report.reference()
                            .noise()
                            .orElseThrow(() -> new AssertionError(
                                    "no noise measured: " + io.github.bnconsistency.report.TextReport.render(report)));
                }
                observed.get(p).add(report.output().maxAbsDifference());
                byStatistics.get(p).add(report.reference().withinStatisticsNoise());
                passes.get(p)
                        .add(ConsistencyChecks.inferenceMatchesTraining(report, 1e-3)
                                .isEmpty());
            }
        }
        Snapshots[] result = new Snapshots[probes.length];
        for (int p = 0; p < probes.length; p++) {
            result[p] = new Snapshots(noise[p], observed.get(p), byStatistics.get(p), passes.get(p));
        }
        return result;
    }
}
