package io.github.bnconsistency.guarantees;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.withinPercentage;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.LintFinding;
import io.github.bnconsistency.report.StatisticsStorage;
import io.github.bnconsistency.testing.GraphModels;
import io.github.bnconsistency.testing.HandStatistics;
import io.github.bnconsistency.testing.ModelSnapshot;
import io.github.bnconsistency.testing.StoryModels;
import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.deeplearning4j.datasets.iterator.AsyncDataSetIterator;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Corrupted statistics, dead channels, extreme scales, data types, workspaces, Keras imports, odd iterators. */
class OddModelsTest {

    @ParameterizedTest(name = "{0} {1} in channel 1, useLogStd={2}")
    @CsvSource({
        "mean, NaN, false",
        "variance, Infinity, false",
        "variance, -0.5, false",
        "variance, NaN, true",
        "variance, Infinity, true",
        "mean, -Infinity, true"
    })
    void corrupted_moving_statistics_are_a_finding_never_a_crash_nor_converged(
            String which, double value, boolean logStd) {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.NCHW, logStd, 0.9, 1e-5);
        double[][][] values = TinyNetworks.randomValues(Layout.NCHW, 6, new Random(4));
        double[][] stats = TinyNetworks.meanAndBiasedVariance(values);
        if (which.equals("mean")) {
            stats[0][1] = value;
        } else {
            stats[1][1] = value;
        }
        TinyNetworks.setMovingStatistics(net.getLayer(0), stats[0], stats[1]); // log10stdev of -0.5 would be NaN too
        INDArray features = TinyNetworks.features(Layout.NCHW, values);

        ConsistencyReport report = BatchNormInspector.inspect(net, features);

        LayerFinding bn = report.layer("bn").orElseThrow();
        assertThat(bn.status()).isEqualTo(LayerStatus.CORRUPTED);
        assertThat(bn.corruptedChannels()).containsExactly(1);
        assertThat(bn.isDiverging()).isTrue();
        assertThat(report.rootCause()).map(LayerFinding::name).hasValue("bn");
        assertThat(report.lint()).extracting(LintFinding::rule).contains(LintFinding.CORRUPTED_STATISTICS);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> assertThat(net).hasConvergedBatchNormStatistics(features))
                .hasMessageContaining("Root cause: bn (BN layer 1 of 1, layer index 0) stored moving statistics are "
                        + "corrupted (NaN, infinite or negative variance) in channels [1]");
        // and the fix repairs it
        BatchNormRecalibration.recalibrate(net, features);
        assertThat(net).inferenceMatchesTraining(features, 1e-9).hasConvergedBatchNormStatistics();
    }

    /**
     * A model whose inference outputs are NaN names where they start (the BN layer whose moving mean is NaN: its input
     * is finite, its output is not), mid-network, at the last BN layer and in a graph, and the same place whether the
     * probe came as one batch or as batches to read twice (the reference pass then compares the first read's
     * inference outputs again; the first read traced them, so the second must not run a pass that keeps every
     * activation to trace them again: on ResNet50 at 20 batches that pass was the check's memory peak).
     */
    @ParameterizedTest(name = "{0}: NaN in {1}, seed {3}")
    @CsvSource({
        "network, bn2, bn2 (layer index 4), 1",
        "network, bn2, bn2 (layer index 4), 2",
        "network, bn4, bn4 (layer index 11), 3",
        "graph, bn2b, vertex 'bn2b', 1",
        "graph, bn2b, vertex 'bn2b', 2"
    })
    void non_finite_outputs_are_traced_to_the_same_layer_however_the_probe_is_batched(
            String kind, String corrupted, String expected, long seed) {
        List<DataSet> examples = StoryModels.images(24, seed).asList();
        Random random = new Random(seed);
        org.deeplearning4j.nn.api.Model model;
        org.deeplearning4j.nn.api.Layer layer;
        if (kind.equals("network")) {
            MultiLayerNetwork net = StoryModels.storyCnn(0.9, seed);
            StoryModels.trainShuffled(net, examples, 8, 3, random);
            model = net;
            layer = net.getLayer(corrupted);
        } else {
            org.deeplearning4j.nn.graph.ComputationGraph graph = GraphModels.residualCnn(0.9, seed, false);
            for (int epoch = 0; epoch < 3; epoch++) {
                StoryModels.shuffledBatches(examples, 8, random).forEach(graph::fit);
            }
            model = graph;
            layer = graph.getLayer(corrupted);
        }
        layer.getParam(org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN)
                .putScalar(1, Double.NaN); // a corrupted moving mean: NaN from there on, at inference only

        ConsistencyReport oneBatch = BatchNormInspector.inspect(model, DataSet.merge(examples));
        ConsistencyReport twoReads = BatchNormInspector.inspect(model, new ListDataSetIterator<>(examples, 12));

        assertThat(twoReads.probe().batches()).isEqualTo(2);
        assertThat(oneBatch.output().nonFiniteInferenceValues()).isPositive();
        assertThat(twoReads.output().nonFiniteInferenceValues())
                .isEqualTo(oneBatch.output().nonFiniteInferenceValues());
        assertThat(oneBatch.output().firstNonFiniteLayer()).hasValue(expected);
        assertThat(twoReads.output().firstNonFiniteLayer()).hasValue(expected);
    }

    @Test
    void constant_channel_is_handled_through_eps() {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.DENSE, true, 0.9, 1e-5);
        double[][][] values = TinyNetworks.randomValues(Layout.DENSE, 8, new Random(5));
        for (double[][] example : values) {
            example[2][0] = 0.0; // a dead ReLU: always 0
        }
        INDArray features = TinyNetworks.features(Layout.DENSE, values);

        ChannelFinding dead = BatchNormInspector.inspect(net, features)
                .layer("bn")
                .orElseThrow()
                .channels()
                .get(2);

        assertThat(dead.batchVariance()).isZero();
        // moving mean 0 = batch mean, moving variance 1 vs 0: s*/s_M = sqrt(1e-5 / (1 + 1e-5))
        assertThat(dead.divergence()).isCloseTo(1 - Math.sqrt(1e-5 / (1 + 1e-5)), within(1e-12));
        assertThat(dead.meanShift()).isZero();
        assertThat(dead.varianceRatio()).isCloseTo((1 + 1e-5) / 1e-5, withinPercentage(1e-9));
        assertThat(dead.inferenceInputDrift()).isZero();
    }

    @ParameterizedTest(name = "scale {0}")
    @CsvSource({"1e6", "1e-6"})
    void very_large_and_very_small_activations_give_correct_numbers(double scale) {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.NHWC, false, 0.9, 1e-5);
        double[][][] values = TinyNetworks.randomValues(Layout.NHWC, 6, new Random(6));
        for (double[][] example : values) {
            for (double[] channel : example) {
                for (int p = 0; p < channel.length; p++) {
                    channel[p] = scale * (1000 + channel[p]); // large offset, small spread: hard for naive variance
                }
            }
        }
        INDArray features = TinyNetworks.features(Layout.NHWC, values);
        double[][] stats = TinyNetworks.meanAndBiasedVariance(values);

        LayerFinding bn = BatchNormInspector.inspect(net, features).layer("bn").orElseThrow();

        for (ChannelFinding c : bn.channels()) {
            assertThat(c.batchMean()).isCloseTo(stats[0][c.channel()], withinPercentage(1e-9));
            assertThat(c.batchVariance()).isCloseTo(stats[1][c.channel()], withinPercentage(1e-6));
            assertThat(c.divergence()).isFinite();
            double s = Math.sqrt(stats[1][c.channel()] + 1e-5);
            assertThat(c.meanShift()).isCloseTo(Math.abs(stats[0][c.channel()]) / s, withinPercentage(1e-6));
        }
    }

    static Stream<Arguments> dataTypesAndWorkspaces() {
        List<Arguments> cases = new ArrayList<>();
        for (DataType type : List.of(DataType.FLOAT, DataType.DOUBLE, DataType.HALF)) {
            for (WorkspaceMode training : WorkspaceMode.values()) {
                if (training == WorkspaceMode.SINGLE || training == WorkspaceMode.SEPARATE) {
                    continue; // deprecated aliases of ENABLED
                }
                for (WorkspaceMode inference : List.of(WorkspaceMode.ENABLED, WorkspaceMode.NONE)) {
                    cases.add(Arguments.of(type, training, inference));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, training workspaces {1}, inference workspaces {2}")
    @MethodSource("dataTypesAndWorkspaces")
    void every_data_type_and_workspace_mode(DataType type, WorkspaceMode training, WorkspaceMode inference) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .dataType(type)
                .trainingWorkspaceMode(training)
                .inferenceWorkspaceMode(inference)
                .list()
                .layer(new DenseLayer.Builder()
                        .nOut(6)
                        .activation(Activation.IDENTITY)
                        .dropOut(0.5)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(4))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        Nd4j.getRandom().setSeed(8);
        DataSet data = new DataSet(
                Nd4j.randn(DataType.FLOAT, 16, 4).muli(2).addi(1),
                Nd4j.eye(3).repeat(0, 6).getRows(range(16)));
        net.fit(data);
        ModelSnapshot before = ModelSnapshot.of(net);
        MultiLayerNetwork reference = net.clone(); // same weights, to compute the BN input by hand without dropout
        reference.getLayerWiseConfigurations().getConf(0).getLayer().setIDropout(null);
        double[][] expected = TinyNetworks.meanAndBiasedVariance(HandStatistics.values(
                reference.feedForward(data.getFeatures().castTo(type), true).get(1)));

        ConsistencyReport report = BatchNormInspector.inspect(net, data);

        assertThat(ModelSnapshot.of(net)).isEqualTo(before);
        assertThat(report.dataType()).isEqualTo(type.name());
        double tolerance = type == DataType.HALF ? 1e-2 : type == DataType.FLOAT ? 1e-5 : 1e-12;
        for (ChannelFinding c : report.layer("bn").orElseThrow().channels()) {
            assertThat(c.batchMean()).isCloseTo(expected[0][c.channel()], within(tolerance));
            assertThat(c.batchVariance())
                    .isCloseTo(expected[1][c.channel()], within(tolerance * (1 + expected[1][c.channel()])));
        }
        assertThat(report.output().allFinite()).isTrue();
    }

    /** The inference path's drift from the training path is reduced in FLOAT for 16-bit models: HALF overflows. */
    @Test
    void half_precision_model_reports_the_input_drift_float_reports() {
        double[] drift = new double[2];
        for (DataType type : List.of(DataType.HALF, DataType.FLOAT)) {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                    .dataType(type)
                    .list()
                    .layer(new BatchNormalization.Builder()
                            .nIn(4)
                            .nOut(4)
                            .name("bn1")
                            .build())
                    .layer(new BatchNormalization.Builder()
                            .nIn(4)
                            .nOut(4)
                            .name("bn2")
                            .build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                            .activation(Activation.IDENTITY)
                            .nIn(4)
                            .nOut(2)
                            .build())
                    .build());
            net.init();
            Nd4j.getRandom().setSeed(7);
            // untrained moving statistics (0, 1) against data around 100: bn2's inputs differ by ~100 per value
            INDArray features = Nd4j.randn(DataType.FLOAT, 256, 4).muli(30).addi(100);
            drift[type == DataType.HALF ? 0 : 1] = BatchNormInspector.inspect(net, features)
                    .layer("bn2")
                    .orElseThrow()
                    .maxInferenceInputDrift();
        }
        assertThat(drift[1]).isGreaterThan(10).isFinite();
        assertThat(drift[0]).isCloseTo(drift[1], withinPercentage(1));
    }

    @Test
    void model_whose_only_batch_normalization_layers_are_frozen() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(2)
                .list()
                .layer(new DenseLayer.Builder()
                        .nOut(5)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new FrozenLayerWithBackprop(new BatchNormalization.Builder().build()))
                .layer(new DenseLayer.Builder()
                        .nOut(4)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new FrozenLayerWithBackprop(new BatchNormalization.Builder().build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nOut(1)
                        .activation(Activation.IDENTITY)
                        .build())
                .setInputType(InputType.feedForward(3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray features = Nd4j.rand(DataType.FLOAT, 10, 3).muli(5);

        ConsistencyReport report = BatchNormInspector.inspect(net, features);

        assertThat(report.layers())
                .hasSize(2)
                .allSatisfy(l -> assertThat(l.frozen()).isTrue());
        assertThat(report.divergingLayers()).hasSize(2);
        assertThat(report.rootCause()).isEmpty();
        assertThat(report.output().maxAbsDifference()).isLessThan(1e-6); // frozen layers normalize alike on both paths
        assertThat(report.lint()).extracting(LintFinding::rule).containsOnly(LintFinding.FROZEN_MISMATCH);
    }

    @Test
    void keras_sequential_import_channels_last_var_storage_decay_099() throws Exception {
        MultiLayerNetwork keras = KerasModelImport.importKerasSequentialModelAndWeights(
                "src/test/resources/keras/cnn_batch_norm.h5", false);
        Nd4j.getRandom().setSeed(3);
        INDArray images = Nd4j.rand(DataType.FLOAT, 8, 10, 10, 3);
        // the layer's input: conv2d_1's output, one channel, on the training path
        double[][] expected = TinyNetworks.meanAndBiasedVariance(
                nhwcValues(keras.feedForward(images, true).get(1)));

        ConsistencyReport report = BatchNormInspector.inspect(keras, images);

        LayerFinding bn = report.layer("batch_normalization_1").orElseThrow();
        assertThat(bn.layout()).isEqualTo(ChannelLayout.NHWC);
        assertThat(bn.storage()).isEqualTo(StatisticsStorage.VARIANCE);
        assertThat(bn.decay()).isEqualTo(0.99);
        assertThat(bn.eps()).isCloseTo(1e-3, within(1e-9));
        assertThat(bn.channels().get(0).batchMean()).isCloseTo(expected[0][0], within(1e-6));
        assertThat(bn.channels().get(0).batchVariance()).isCloseTo(expected[1][0], within(1e-6));
        assertThat(bn.channels().get(0).movingMean()).isZero(); // Keras's initial statistics, as saved
        assertThat(bn.channels().get(0).movingVariance()).isEqualTo(1.0);

        BatchNormRecalibration.recalibrate(keras, images);
        assertThat(keras).inferenceMatchesTraining(images, 1e-4);
    }

    @Test
    void keras_model_with_real_dropout_layers() throws Exception {
        MultiLayerNetwork wgan = KerasModelImport.importKerasSequentialModelAndWeights(
                "src/test/resources/keras/wgan_discriminator.h5", false);
        Nd4j.getRandom().setSeed(4);
        INDArray images = Nd4j.rand(DataType.FLOAT, 6, 28, 28, 1);
        ModelSnapshot before = ModelSnapshot.of(wgan);

        ConsistencyReport report = BatchNormInspector.inspect(wgan, images);

        assertThat(report.layerNames()).containsExactly("batch_normalization_1", "batch_normalization_2");
        assertThat(report.layers()).allSatisfy(l -> assertThat(l.decay()).isEqualTo(0.8));
        assertThat(ModelSnapshot.of(wgan)).isEqualTo(before);
        // dropout (rate 0.25 in Keras) is left out of the training path: after recalibration the paths agree
        BatchNormRecalibration.recalibrate(wgan, images);
        assertThat(wgan).inferenceMatchesTraining(images, 1e-4);
    }

    @Test
    void iterator_preprocessor_is_applied_once_per_batch_as_in_training() {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.DENSE, true, 0.9, 1e-5);
        double[][][] values = TinyNetworks.randomValues(Layout.DENSE, 8, new Random(7));
        DataSet data = new DataSet(TinyNetworks.features(Layout.DENSE, values), Nd4j.zeros(8, 2));
        ListDataSetIterator<DataSet> iterator = new ListDataSetIterator<>(data.asList(), 4);
        AtomicInteger calls = new AtomicInteger();
        iterator.setPreProcessor((DataSetPreProcessor) ds -> {
            calls.incrementAndGet();
            ds.getFeatures().muli(10);
        });

        LayerFinding bn = BatchNormInspector.inspect(net, iterator).layer("bn").orElseThrow();

        // once per batch per read: the statistics sweep, then the reference sweep (two batches: the converged
        // reference is a copy normalizing with their average statistics)
        assertThat(calls).hasValue(4);
        double[][] first = TinyNetworks.meanAndBiasedVariance(java.util.Arrays.copyOfRange(values, 0, 4));
        double[][] second = TinyNetworks.meanAndBiasedVariance(java.util.Arrays.copyOfRange(values, 4, 8));
        assertThat(bn.channels().get(0).batchMean()).isCloseTo(10 * (first[0][0] + second[0][0]) / 2, within(1e-4));
    }

    @Test
    void async_iterator_is_consumed_and_shut_down() throws Exception {
        MultiLayerNetwork net = StoryModels.storyCnn(0.9, 1);
        AsyncDataSetIterator async = new AsyncDataSetIterator(
                new ListDataSetIterator<>(StoryModels.images(24, 3).asList(), 6), 2);

        ConsistencyReport report = BatchNormInspector.inspect(net, async);

        assertThat(report.probe().batches()).isEqualTo(4);
        Thread.sleep(100);
        assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.isAlive() && t.getClass().getName().contains("AsyncPrefetchThread"));
    }

    private static int[] range(int n) {
        return java.util.stream.IntStream.range(0, n).toArray();
    }

    /** {@code [example][channel][position]} of an NHWC activation. */
    private static double[][][] nhwcValues(INDArray activation) {
        return HandStatistics.values(activation.permute(0, 3, 1, 2).dup());
    }
}
