package io.github.bnconsistency.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ChannelStatisticsAccumulatorTest {

    @Test
    void merging_two_halves_equals_adding_every_batch_to_one_accumulator() {
        Random random = new Random(8);
        ChannelStatisticsAccumulator all = new ChannelStatisticsAccumulator(2);
        ChannelStatisticsAccumulator first = new ChannelStatisticsAccumulator(2);
        ChannelStatisticsAccumulator second = new ChannelStatisticsAccumulator(2);
        double[][] means = new double[7][];
        for (int b = 0; b < 7; b++) {
            double[] mean = {random.nextGaussian(), 10 + random.nextGaussian()};
            double[] variance = {random.nextDouble(), 5 * random.nextDouble()};
            double[] drift = {random.nextDouble(), random.nextDouble()};
            means[b] = mean;
            all.addBatch(mean, variance, drift, 12);
            (b < 3 ? first : second).addBatch(mean, variance, drift, 12);
        }
        first.merge(second);

        for (int c = 0; c < 2; c++) {
            assertThat(first.batchMean(c)).isCloseTo(all.batchMean(c), within(1e-12));
            assertThat(first.batchVariance(c)).isCloseTo(all.batchVariance(c), within(1e-12));
            assertThat(first.batchMeanSpread(c)).isCloseTo(all.batchMeanSpread(c), within(1e-12));
            assertThat(first.batchVarianceSpread(c)).isCloseTo(all.batchVarianceSpread(c), within(1e-12));
            assertThat(first.rmsDrift(c)).isCloseTo(all.rmsDrift(c), within(1e-12));
        }
        assertThat(first.batches()).isEqualTo(7);
        assertThat(first.values()).isEqualTo(84);
        // and the plain definition: unweighted average of the batch means
        double sum = 0;
        for (double[] m : means) {
            sum += m[1];
        }
        assertThat(all.batchMean(1)).isCloseTo(sum / 7, within(1e-12));
    }

    @Test
    void one_batch_has_no_spread() {
        ChannelStatisticsAccumulator one = new ChannelStatisticsAccumulator(1);
        one.addBatch(new double[] {2}, new double[] {3}, new double[] {0}, 1);
        assertThat(one.batchMeanSpread(0)).isZero();
        assertThat(one.smallestBatchValues()).isEqualTo(1);
    }
}
