package io.github.bnconsistency.minibatch;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.InspectionOptions;
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

    /** One epoch of 480 examples in batches of 16 is 30 iterations, three times the moving average's memory. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void the_band_covers_the_moving_averages_own_noise_probed_with_a_validation_set(long seed) {
        DataSet validation = MiniBatchModels.blobs(192, seed + 100);
        Snapshots s = snapshots(seed, validation);
        System.out.printf(
                "seed %d validation set: band median %.4f allowance %.4f; observed %s%n",
                seed, s.noise.medianMaxAbsDifference(), s.noise.maxAbsDifference(), s.observed);
        assertCovered(s);
    }

    /**
     * One probe batch of the training size: the draws are bootstrap batches of its examples, and the band is wider
     * than the validation set's (its targets rest on 16 examples, not 192). Measured here it runs about twice the
     * real spread (medians 0.48-0.92 against 0.13-0.45 on these seeds), so only the coverage is pinned: a probe of
     * one small batch is judged leniently, and the report says by how much.
     */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void the_band_covers_the_noise_probed_with_one_batch_of_the_training_size(long seed) {
        Snapshots one = snapshots(seed, MiniBatchModels.blobs(BATCH, seed + 100));
        System.out.printf(
                "seed %d one batch: band median %.4f allowance %.4f; observed %s%n",
                seed, one.noise.medianMaxAbsDifference(), one.noise.maxAbsDifference(), one.observed);
        long beyond = one.observed.stream()
                .filter(d -> d > one.noise.maxAbsDifference())
                .count();
        assertThat(beyond).as("snapshots beyond the allowance").isLessThanOrEqualTo(1);
        Snapshots set = snapshots(seed, MiniBatchModels.blobs(192, seed + 100));
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

    private record Snapshots(OutputNoise noise, List<Double> observed) {}

    private static Snapshots snapshots(long seed, DataSet validation) {
        MultiLayerNetwork model = MiniBatchModels.trained(DECAY, BATCH, 12, seed);
        model.setLearningRate(0.0); // from here on only the moving statistics change
        DataSet train = MiniBatchModels.blobs(480, seed);
        InspectionOptions options = InspectionOptions.defaults().withTrainingBatchSize(BATCH);
        OutputNoise noise = null;
        List<Double> observed = new ArrayList<>();
        for (int k = 0; k < SNAPSHOTS; k++) {
            model.fit(MiniBatchModels.shuffled(train, BATCH, seed * 7919 + k));
            ConsistencyReport report = BatchNormInspector.inspect(model, ProbeData.of(validation), options);
            if (noise == null) {
                noise = report.reference()
                        .noise()
                        .orElseThrow(() -> new AssertionError(
                                "no noise measured: " + io.github.bnconsistency.report.TextReport.render(report)));
            }
            observed.add(report.output().maxAbsDifference());
        }
        return new Snapshots(noise, observed);
    }
}
