package io.github.bnconsistency.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.StatisticsStorage;
import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Every per-channel number against an independent computation in double: plain loops over the raw probe values,
 * the formulas of ARCHITECTURE.md written out here, and for the divergence also DL4J's own training-mode and
 * inference-mode outputs of the layer (gamma 1, beta 0, so output = normalized input).
 */
class KnownAnswerMetricsTest {

    private static final double EPS = 1e-3;
    private static final double DECAY = 0.9;
    private static final double[] MOVING_MEAN = {-1.5, 0.3, 2.5};
    private static final double[] MOVING_VARIANCE = {0.2, 1.0, 9.0};
    /** Python: statistics.NormalDist().inv_cdf(1 - 0.01 / (2 * 3)). */
    private static final double Z_THREE_CHANNELS = 2.9351994688666982;

    static Stream<Arguments> layoutsAndStorages() {
        List<Arguments> cases = new ArrayList<>();
        for (Layout layout : Layout.values()) {
            cases.add(Arguments.of(layout, false));
            cases.add(Arguments.of(layout, true));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, useLogStd={1}")
    @MethodSource("layoutsAndStorages")
    void every_metric_matches_a_hand_computation_over_three_batches(Layout layout, boolean useLogStd) {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(layout, useLogStd, DECAY, EPS);
        TinyNetworks.setMovingStatistics(net.getLayer(0), MOVING_MEAN, MOVING_VARIANCE);
        Random random = new Random(11);
        int[] batchSizes = {6, 4, 5};
        List<double[][][]> batches = new ArrayList<>();
        List<DataSet> dataSets = new ArrayList<>();
        for (int size : batchSizes) {
            double[][][] values = TinyNetworks.randomValues(layout, size, random);
            batches.add(values);
            INDArray features = TinyNetworks.features(layout, values);
            dataSets.add(new DataSet(features, null));
        }

        ConsistencyReport report = BatchNormInspector.inspect(net, ProbeData.of(new ExistingDataSetIterator(dataSets)));

        LayerFinding layer = report.layer("bn").orElseThrow();
        assertThat(layer.layout())
                .isEqualTo(
                        switch (layout) {
                            case DENSE -> ChannelLayout.DENSE;
                            case NCHW -> ChannelLayout.NCHW;
                            case NHWC -> ChannelLayout.NHWC;
                        });
        assertThat(layer.storage()).isEqualTo(useLogStd ? StatisticsStorage.LOG10_STDEV : StatisticsStorage.VARIANCE);
        assertThat(report.probe().batches()).isEqualTo(3);
        assertThat(report.probe().examples()).isEqualTo(15);

        int channels = TinyNetworks.CHANNELS;
        double[] muStar = new double[channels];
        double[] vStar = new double[channels];
        double[][] perBatchMean = new double[batches.size()][];
        double[][] perBatchVariance = new double[batches.size()][];
        for (int b = 0; b < batches.size(); b++) {
            double[][] stats = TinyNetworks.meanAndBiasedVariance(batches.get(b));
            perBatchMean[b] = stats[0];
            perBatchVariance[b] = stats[1];
            for (int c = 0; c < channels; c++) {
                muStar[c] += stats[0][c] / batches.size();
                vStar[c] += stats[1][c] / batches.size();
            }
        }
        double maxDelta = 0;
        for (int c = 0; c < channels; c++) {
            ChannelFinding f = layer.channels().get(c);
            double sStar = Math.sqrt(vStar[c] + EPS);
            double sMoving = Math.sqrt(MOVING_VARIANCE[c] + EPS);
            double expectedDelta =
                    Math.sqrt(Math.pow(sStar / sMoving - 1, 2) + Math.pow((muStar[c] - MOVING_MEAN[c]) / sMoving, 2));
            maxDelta = Math.max(maxDelta, expectedDelta);

            assertThat(f.batchMean()).isCloseTo(muStar[c], within(1e-12));
            assertThat(f.batchVariance()).isCloseTo(vStar[c], within(1e-12));
            assertThat(f.movingMean()).isCloseTo(MOVING_MEAN[c], within(1e-12));
            assertThat(f.movingVariance()).isCloseTo(MOVING_VARIANCE[c], within(1e-12));
            assertThat(f.meanShift()).isCloseTo(Math.abs(muStar[c] - MOVING_MEAN[c]) / sStar, within(1e-12));
            assertThat(f.varianceRatio()).isCloseTo((MOVING_VARIANCE[c] + EPS) / (vStar[c] + EPS), within(1e-12));
            assertThat(f.divergence()).isCloseTo(expectedDelta, within(1e-12));
            assertThat(f.batchMeanSpread()).isCloseTo(sampleStd(column(perBatchMean, c)), within(1e-12));
            assertThat(f.batchVarianceSpread()).isCloseTo(sampleStd(column(perBatchVariance, c)), within(1e-12));
            assertThat(f.inferenceInputDrift()).isEqualTo(0.0); // nothing upstream of the only layer
        }
        assertThat(layer.maxDivergence()).isCloseTo(maxDelta, within(1e-12));
        // the noise floor at the training batch size n (the probe's first batch, 6) from the 15 examples: the moving
        // average's spread over batches of n (S^2/n for the mean, Var(z)/n for the variance, z = w + (e - mu)^2),
        // times sqrt((1-d)/(1+d) + n/examples) for the moving average's fluctuation and the probe's estimate
        List<double[][]> all = new ArrayList<>();
        batches.forEach(b -> all.addAll(List.of(b)));
        int n = batchSizes[0];
        double factor = Math.sqrt((1 - DECAY) / (1 + DECAY) + (double) n / all.size());
        double expectedNoise = 0;
        boolean allWithinNoise = true;
        for (int c = 0; c < channels; c++) {
            double[] spreads = exampleSpreads(all, c, n);
            double meanTerm = spreads[0] * factor / Math.sqrt(vStar[c] + EPS);
            double varianceTerm = spreads[1] * factor / (2 * (vStar[c] + EPS));
            double noise = Math.hypot(meanTerm, varianceTerm);
            assertThat(layer.channels().get(c).noiseFloor()).isCloseTo(noise, within(1e-9));
            expectedNoise = Math.max(expectedNoise, noise);
            allWithinNoise &= layer.channels().get(c).divergence() <= Math.max(0.05, Z_THREE_CHANNELS * noise);
        }
        assertThat(layer.noiseFloor()).isCloseTo(expectedNoise, within(1e-9));
        // tiny dense batches vary so much that these moving statistics are within noise; the larger
        // convolutional batches are not
        assertThat(layer.status()).isEqualTo(allWithinNoise ? LayerStatus.WITHIN_NOISE : LayerStatus.NOT_CONVERGED);
        assertThat(layer.status())
                .isEqualTo(layout == Layout.DENSE ? LayerStatus.WITHIN_NOISE : LayerStatus.NOT_CONVERGED);
        if (!allWithinNoise) {
            assertThat(layer.updatesNeeded().iterations()).isEqualTo(bruteForceUpdatesNeeded(muStar, vStar, 0.05));
        }
    }

    /**
     * By hand, in two passes: the standard deviation over batches of {@code n} of a batch's mean ({@code S / sqrt(n)},
     * S^2 the unbiased variance of the example means) and, to first order, of its biased variance
     * ({@code sqrt(Var(z) / n)}, {@code z = w + (e - mu)^2}, {@code w} each example's biased variance).
     */
    private static double[] exampleSpreads(List<double[][]> examples, int c, int n) {
        int count = examples.size();
        double[] e = new double[count];
        double[] w = new double[count];
        for (int i = 0; i < count; i++) {
            double[] v = examples.get(i)[c];
            e[i] = java.util.Arrays.stream(v).average().orElseThrow();
            double mean = e[i];
            w[i] = java.util.Arrays.stream(v)
                    .map(x -> (x - mean) * (x - mean))
                    .average()
                    .orElseThrow();
        }
        double mu = java.util.Arrays.stream(e).average().orElseThrow();
        double s2 = java.util.Arrays.stream(e).map(x -> (x - mu) * (x - mu)).sum() / (count - 1);
        double[] z = new double[count];
        for (int i = 0; i < count; i++) {
            z[i] = w[i] + (e[i] - mu) * (e[i] - mu);
        }
        double zMean = java.util.Arrays.stream(z).average().orElseThrow();
        double zVariance = java.util.Arrays.stream(z)
                .map(x -> (x - zMean) * (x - zMean))
                .average()
                .orElseThrow();
        return new double[] {Math.sqrt(s2 / n), Math.sqrt(zVariance / n)};
    }

    @ParameterizedTest(name = "{0}, useLogStd={1}")
    @MethodSource("layoutsAndStorages")
    void divergence_is_the_rms_difference_of_dl4j_training_and_inference_outputs(Layout layout, boolean useLogStd) {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(layout, useLogStd, DECAY, EPS);
        TinyNetworks.setMovingStatistics(net.getLayer(0), MOVING_MEAN, MOVING_VARIANCE);
        double[][][] values = TinyNetworks.randomValues(layout, 8, new Random(5));
        INDArray features = TinyNetworks.features(layout, values);

        ConsistencyReport report = BatchNormInspector.inspect(net, features);

        // DL4J's own outputs, gamma 1 and beta 0: y_train - y_inference = z_train - z_inference.
        INDArray difference = net.output(features, true).sub(net.output(features, false));
        double[][][] diff =
                TinyNetworks.Layout.DENSE == layout ? valuesOf(difference, layout) : valuesOf(difference, layout);
        double maxAbs = 0;
        for (int c = 0; c < TinyNetworks.CHANNELS; c++) {
            double sumSquares = 0;
            long count = 0;
            for (double[][] example : diff) {
                for (double d : example[c]) {
                    sumSquares += d * d;
                    count++;
                    maxAbs = Math.max(maxAbs, Math.abs(d));
                }
            }
            double rms = Math.sqrt(sumSquares / count);
            // equal up to the factor v*/(v*+eps) on the scale term: within 0.1% for these variances
            assertThat(report.layers().get(0).channels().get(c).divergence()).isCloseTo(rms, withinPercentage(0.1));
        }
        assertThat(report.output().maxAbsDifference()).isCloseTo(maxAbs, within(1e-12));
        assertThat(report.output().comparedValues()).isEqualTo(features.length());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("floatingTypes")
    void input_drift_is_the_rms_difference_of_the_inputs_at_inference_and_in_training(DataType type) {
        // bn1 (moving statistics off) feeds bn2 directly: bn2's input is bn1's output, z_train in training and
        // z_inference at inference (gamma 1, beta 0), all computable by hand from the raw values
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .dataType(type)
                .list()
                .layer(new BatchNormalization.Builder().name("bn1").eps(EPS).build())
                .layer(new BatchNormalization.Builder().name("bn2").eps(EPS).build())
                .setInputType(InputType.feedForward(TinyNetworks.CHANNELS))
                .build());
        net.init();
        TinyNetworks.setMovingStatistics(net.getLayer(0), MOVING_MEAN, MOVING_VARIANCE);
        double[][][] values = TinyNetworks.randomValues(Layout.DENSE, 10, new Random(12));
        double[][] stats = TinyNetworks.meanAndBiasedVariance(values);

        ConsistencyReport report = BatchNormInspector.inspect(
                net, TinyNetworks.features(Layout.DENSE, values).castTo(type));

        for (int c = 0; c < TinyNetworks.CHANNELS; c++) {
            double[] zTrain = new double[values.length];
            double sumSquares = 0;
            for (int n = 0; n < values.length; n++) {
                double x = values[n][c][0];
                zTrain[n] = (x - stats[0][c]) / Math.sqrt(stats[1][c] + EPS);
                double zInference = (x - MOVING_MEAN[c]) / Math.sqrt(MOVING_VARIANCE[c] + EPS);
                sumSquares += (zInference - zTrain[n]) * (zInference - zTrain[n]);
            }
            double[][][] bn2Input = new double[values.length][1][1];
            for (int n = 0; n < values.length; n++) {
                bn2Input[n][0][0] = zTrain[n];
            }
            double bn2Variance = TinyNetworks.meanAndBiasedVariance(bn2Input)[1][0];
            double expected = Math.sqrt(sumSquares / values.length) / Math.sqrt(bn2Variance + EPS);

            double drift = report.layer("bn2").orElseThrow().channels().get(c).inferenceInputDrift();
            assertThat(drift).isCloseTo(expected, withinPercentage(type == DataType.DOUBLE ? 1e-9 : 1e-3));
            assertThat(report.layer("bn1").orElseThrow().channels().get(c).inferenceInputDrift())
                    .isZero();
        }
    }

    static Stream<DataType> floatingTypes() {
        return Stream.of(DataType.DOUBLE, DataType.FLOAT);
    }

    private static double[][][] valuesOf(INDArray array, Layout layout) {
        int n = (int) array.size(0);
        int positions = layout == Layout.DENSE ? 1 : TinyNetworks.HEIGHT * TinyNetworks.WIDTH;
        double[][][] values = new double[n][TinyNetworks.CHANNELS][positions];
        for (int e = 0; e < n; e++) {
            for (int c = 0; c < TinyNetworks.CHANNELS; c++) {
                for (int p = 0; p < positions; p++) {
                    int h = p / TinyNetworks.WIDTH;
                    int w = p % TinyNetworks.WIDTH;
                    values[e][c][p] = switch (layout) {
                        case DENSE -> array.getDouble(e, c);
                        case NCHW -> array.getDouble(e, c, h, w);
                        case NHWC -> array.getDouble(e, h, w, c);
                    };
                }
            }
        }
        return values;
    }

    /** Smallest k with max_c delta_c(k) <= tolerance, by stepping k one at a time. */
    private static long bruteForceUpdatesNeeded(double[] muStar, double[] vStar, double tolerance) {
        for (long k = 0; ; k++) {
            double max = 0;
            for (int c = 0; c < muStar.length; c++) {
                double remaining = Math.pow(DECAY, k);
                double mean = muStar[c] + remaining * (MOVING_MEAN[c] - muStar[c]);
                double variance = vStar[c] + remaining * (MOVING_VARIANCE[c] - vStar[c]);
                double sStar = Math.sqrt(vStar[c] + EPS);
                double sMoving = Math.sqrt(variance + EPS);
                max = Math.max(max, Math.hypot(sStar / sMoving - 1, (muStar[c] - mean) / sMoving));
            }
            if (max <= tolerance) {
                return k;
            }
        }
    }

    private static double[] column(double[][] rows, int c) {
        double[] column = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            column[i] = rows[i][c];
        }
        return column;
    }

    private static double sampleStd(double[] values) {
        double mean = 0;
        for (double v : values) {
            mean += v / values.length;
        }
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        return Math.sqrt(squares / (values.length - 1));
    }
}
