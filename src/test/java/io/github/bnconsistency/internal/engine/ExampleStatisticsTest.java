package io.github.bnconsistency.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The batch-size relations, pinned against brute force: every batch of {@code n} that can be drawn from a small set
 * of examples, each example with {@code positions} values in one channel (1 for a dense layer).
 */
class ExampleStatisticsTest {

    private static double[][] examples(int count, int positions, long seed) {
        Random random = new Random(seed);
        double[][] values = new double[count][positions];
        for (int i = 0; i < count; i++) {
            double exampleMean = 3 + 2 * random.nextGaussian(); // examples differ: S^2 > 0
            for (int p = 0; p < positions; p++) {
                values[i][p] = exampleMean + (positions == 1 ? 0 : 0.7 * random.nextGaussian());
            }
        }
        return values;
    }

    private static ExampleStatistics statistics(double[][] values) {
        ExampleStatistics statistics = new ExampleStatistics(1);
        double[] means = new double[values.length];
        double[] variances = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            double[] v = values[i];
            double m = java.util.Arrays.stream(v).average().orElseThrow();
            means[i] = m;
            variances[i] = java.util.Arrays.stream(v)
                    .map(x -> (x - m) * (x - m))
                    .average()
                    .orElseThrow();
        }
        // in two batches, as a probe iterator would hand them over
        int half = values.length / 2;
        statistics.add(
                java.util.Arrays.copyOfRange(means, 0, half), java.util.Arrays.copyOfRange(variances, 0, half), half);
        statistics.add(
                java.util.Arrays.copyOfRange(means, half, values.length),
                java.util.Arrays.copyOfRange(variances, half, values.length),
                values.length - half);
        return statistics;
    }

    /** All subsets of {@code n} of {@code 0..count-1}. */
    private static List<int[]> subsets(int count, int n) {
        List<int[]> all = new ArrayList<>();
        int[] pick = new int[n];
        for (int i = 0; i < n; i++) {
            pick[i] = i;
        }
        while (true) {
            all.add(pick.clone());
            int i = n - 1;
            while (i >= 0 && pick[i] == count - n + i) {
                i--;
            }
            if (i < 0) {
                return all;
            }
            pick[i]++;
            for (int j = i + 1; j < n; j++) {
                pick[j] = pick[j - 1] + 1;
            }
        }
    }

    /** A batch's mean and biased variance over all its values, as DL4J's training path computes them. */
    private static double[] batchMoments(double[][] values, int[] batch) {
        double sum = 0;
        int count = 0;
        for (int i : batch) {
            for (double v : values[i]) {
                sum += v;
                count++;
            }
        }
        double mean = sum / count;
        double squares = 0;
        for (int i : batch) {
            for (double v : values[i]) {
                squares += (v - mean) * (v - mean);
            }
        }
        return new double[] {mean, squares / count};
    }

    @ParameterizedTest(name = "{0} values per example")
    @ValueSource(ints = {1, 6})
    void target_statistics_are_the_average_over_every_batch_of_n(int positions) {
        double[][] values = examples(9, positions, 5);
        ExampleStatistics statistics = statistics(values);
        for (int n = 2; n <= 5; n++) {
            double meanOfMeans = 0;
            double meanOfVariances = 0;
            double squaredMeans = 0;
            List<int[]> batches = subsets(values.length, n);
            for (int[] batch : batches) {
                double[] moments = batchMoments(values, batch);
                meanOfMeans += moments[0] / batches.size();
                meanOfVariances += moments[1] / batches.size();
                squaredMeans += moments[0] * moments[0] / batches.size();
            }
            assertThat(statistics.mean(0)).isCloseTo(meanOfMeans, within(1e-12));
            // E[v_n] = W + (1 - 1/n) S^2 holds exactly over all batches drawn without replacement
            assertThat(statistics.targetVariance(0, n)).as("n = %d", n).isCloseTo(meanOfVariances, within(1e-12));
            // Var(m_n) = S^2 / n for draws from a large population; from these 9 it carries the finite-population
            // factor (1 - n/N)
            double spread = statistics.batchMeanSpread(0, n);
            assertThat(spread * spread * (1 - (double) n / values.length))
                    .isCloseTo(squaredMeans - meanOfMeans * meanOfMeans, within(1e-12));
        }
    }

    @Test
    void batch_variance_spread_matches_random_batches_to_first_order() {
        double[][] values = examples(2000, 4, 8);
        ExampleStatistics statistics = statistics(values);
        int n = 32;
        Random random = new Random(9);
        double sum = 0;
        double squares = 0;
        int draws = 4000;
        for (int d = 0; d < draws; d++) {
            int[] batch = random.ints(0, values.length).distinct().limit(n).toArray();
            double v = batchMoments(values, batch)[1];
            sum += v;
            squares += v * v;
        }
        double observed = Math.sqrt(squares / draws - (sum / draws) * (sum / draws));
        assertThat(statistics.batchVarianceSpread(0, n)).isCloseTo(observed, within(0.1 * observed));
    }

    @Test
    void the_batch_size_a_moving_variance_was_accumulated_at_is_recovered() {
        double[][] values = examples(50, 6, 3);
        ExampleStatistics statistics = statistics(values);
        for (int n : new int[] {2, 8, 16, 64}) {
            assertThat(statistics.batchSizeGiving(0, statistics.targetVariance(0, n)))
                    .isCloseTo(n, within(1e-9));
        }
        // below what batches of one example give, and what only infinite batches reach: no batch size
        assertThat(statistics.batchSizeGiving(0, statistics.withinVariance(0) - 1e-6))
                .isNaN();
        assertThat(statistics.batchSizeGiving(0, statistics.withinVariance(0) + statistics.betweenVariance(0)))
                .isNaN();
    }
}
