package io.github.bnconsistency.api;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.Reference;
import io.github.bnconsistency.testing.OneShotIterators.OneShotDataSetIterator;
import io.github.bnconsistency.testing.TinyNetworks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * {@code trainedWithBatchSize(n)}: the reference the outputs are compared with is taken at batches of {@code n}.
 * The model's moving statistics are the full 16-example batch's ({@link ApiFixtures#converged()}); the probe is the
 * same 16 examples, either as one batch or as four consecutive batches of four.
 */
class TrainedWithBatchSizeTest {

    private static final double EPS = 1e-5;

    /** The 16 examples as four consecutive batches of four, in a fresh iterator that supports reset. */
    private static ListDataSetIterator<DataSet> fourBatchesOfFour() {
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < 4; b++) {
            batches.add(new DataSet(
                    ApiFixtures.FEATURES
                            .get(
                                    org.nd4j.linalg.indexing.NDArrayIndex.interval(4 * b, 4 * b + 4),
                                    org.nd4j.linalg.indexing.NDArrayIndex.all())
                            .dup(),
                    org.nd4j.linalg.factory.Nd4j.zeros(4, 3)));
        }
        return new ListDataSetIterator<>(batches, 1); // one DataSet of four per batch
    }

    /**
     * By hand: max over examples and channels of |(x - mu4)/s4 - (x - mu16)/s16|, where mu4, v4 are the average mean
     * and biased variance of the four batches of four (what a model trained at batch size 4 converges to) and
     * mu16, v16 those of the whole batch (the model's moving statistics). Gamma 1, beta 0.
     */
    private static double expectedMaxDifferenceAtBatchSizeFour() {
        double[][][] values = ApiFixtures.VALUES;
        double[][] whole = TinyNetworks.meanAndBiasedVariance(values);
        double[] mu4 = new double[3];
        double[] v4 = new double[3];
        for (int b = 0; b < 4; b++) {
            double[][] stats = TinyNetworks.meanAndBiasedVariance(Arrays.copyOfRange(values, 4 * b, 4 * b + 4));
            for (int c = 0; c < 3; c++) {
                mu4[c] += stats[0][c] / 4;
                v4[c] += stats[1][c] / 4;
            }
        }
        double max = 0;
        for (double[][] example : values) {
            for (int c = 0; c < 3; c++) {
                double x = example[c][0];
                double reference = (x - mu4[c]) / Math.sqrt(v4[c] + EPS);
                double inference = (x - whole[0][c]) / Math.sqrt(whole[1][c] + EPS);
                max = Math.max(max, Math.abs(reference - inference));
            }
        }
        return max;
    }

    @Test
    void should_compare_with_the_reference_at_the_probe_batch_size_when_not_given() {
        MultiLayerNetwork model = ApiFixtures.converged();
        double expected = expectedMaxDifferenceAtBatchSizeFour();
        assertThat(expected).as("the fixture must tell the batch sizes apart").isGreaterThan(1e-3);

        // (whether 1e-6 then fails is the output noise's call: 16 examples at batches of 4 leave much of it)
        ConsistencyReport report = io.github.bnconsistency.BatchNormInspector.inspect(
                model, io.github.bnconsistency.probe.ProbeData.of(fourBatchesOfFour()));
        assertThat(report.reference().trainingBatchSize()).isEqualTo(4);
        assertThat(report.reference().batchSizeSource()).isEqualTo(Reference.BatchSizeSource.PROBE_BATCH_SIZE);
        assertThat(report.output().maxAbsDifference()).isCloseTo(expected, within(1e-9));
    }

    @Test
    void should_compare_with_the_reference_at_the_given_batch_size() {
        MultiLayerNetwork model = ApiFixtures.converged();

        // Re-batched to one batch of 16: the target is the whole batch's statistics, which the model has.
        assertThat(model).trainedWithBatchSize(16).inferenceMatchesTraining(fourBatchesOfFour(), 1e-9);

        // Given 4 on one batch of 16: re-batched into batches of 4, whose average variance is smaller, so the
        // reference differs from the model's outputs by about as much as the hand computation over four batches says
        ConsistencyReport report = io.github.bnconsistency.BatchNormInspector.inspect(
                model,
                io.github.bnconsistency.probe.ProbeData.of(new DataSet(ApiFixtures.FEATURES, null)),
                io.github.bnconsistency.InspectionOptions.defaults().withTrainingBatchSize(4));
        assertThat(report.reference().trainingBatchSize()).isEqualTo(4);
        assertThat(report.reference().targets()).isEqualTo(Reference.Targets.REBATCHED);
        assertThat(report.output().maxAbsDifference()).isGreaterThan(1e-3);
    }

    @Test
    void should_inspect_again_when_the_batch_size_is_set_after_an_inspection() {
        int[] reads = {0};
        ListDataSetIterator<DataSet> probe =
                new ListDataSetIterator<>(
                        List.of(new DataSet(ApiFixtures.FEATURES, org.nd4j.linalg.factory.Nd4j.zeros(16, 3))), 1) {
                    @Override
                    public DataSet next() {
                        reads[0]++;
                        return super.next();
                    }
                };
        MultiLayerNetworkAssert assertion = assertThat(ApiFixtures.converged()).inferenceMatchesTraining(probe, 1e-9);
        int afterFirst = reads[0];

        try {
            assertion.trainedWithBatchSize(4).inferenceMatchesTraining(1e-6);
        } catch (AssertionError noiseDecides) {
            // pass or fail is the output noise's call here; what matters is that the data was read again
        }

        assertThat(afterFirst).isPositive();
        assertThat(reads[0]).as("batches read after the batch size changed").isGreaterThan(afterFirst);
    }

    @Test
    void should_keep_the_report_when_the_same_batch_size_is_set_again() {
        OneShotDataSetIterator iterator = new OneShotDataSetIterator(List.of(new DataSet(ApiFixtures.FEATURES, null)));

        assertThat(ApiFixtures.converged())
                .trainedWithBatchSize(16)
                .inferenceMatchesTraining(iterator, 1e-9)
                .trainedWithBatchSize(16)
                .hasConvergedBatchNormStatistics();
        assertThat(iterator.taken()).isEqualTo(1);
    }

    @Test
    void should_reject_a_batch_size_below_two_naming_the_fix() {
        for (int batchSize : new int[] {1, 0, -3}) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> assertThat(ApiFixtures.converged()).trainedWithBatchSize(batchSize))
                    .withMessage("The training batch size must be at least 2, but was " + batchSize + ": pass the "
                            + "mini-batch size your training iterator yields, or leave trainedWithBatchSize out to "
                            + "take the probe's batch size for it.");
        }
    }
}
