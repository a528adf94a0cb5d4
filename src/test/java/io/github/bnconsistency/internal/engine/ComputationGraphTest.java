package io.github.bnconsistency.internal.engine;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.testing.GraphModels;
import io.github.bnconsistency.testing.HandStatistics;
import io.github.bnconsistency.testing.OneShotIterators.OneShotMultiDataSetIterator;
import io.github.bnconsistency.testing.StoryModels;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** ComputationGraphs: residual branches, several inputs and outputs, multi-batch probe iterators. */
class ComputationGraphTest {

    private static final DataSet IMAGES = StoryModels.storyData(101);
    private static final Map<String, String> RESIDUAL_BN_INPUTS =
            Map.of("bn1", "conv1", "bn2a", "conv2a", "bn2b", "conv2b", "bn3", "dense");
    private static ComputationGraph residual;

    @BeforeAll
    static void trainResidualGraph() {
        residual = GraphModels.residualCnn(0.99, 5, false);
        for (int i = 0; i < 5; i++) {
            residual.fit(IMAGES);
        }
    }

    @Test
    void residual_graph_statistics_over_three_batches_match_a_hand_computation() {
        List<DataSet> batches = IMAGES.batchBy(4);

        ConsistencyReport report = BatchNormInspector.inspect(residual, new ListDataSetIterator<>(IMAGES.asList(), 4));

        assertThat(report.modelType()).isEqualTo("ComputationGraph");
        assertThat(report.layerNames()).containsExactly("bn1", "bn2a", "bn2b", "bn3");
        assertThat(report.probe().batches()).isEqualTo(3);
        for (LayerFinding layer : report.layers()) {
            int channels = layer.channelCount();
            double[] muStar = new double[channels];
            double[] vStar = new double[channels];
            for (DataSet batch : batches) {
                double[][] stats = HandStatistics.graphInputStatistics(
                        residual, new INDArray[] {batch.getFeatures()}, RESIDUAL_BN_INPUTS.get(layer.name()));
                for (int c = 0; c < channels; c++) {
                    muStar[c] += stats[0][c] / batches.size();
                    vStar[c] += stats[1][c] / batches.size();
                }
            }
            for (ChannelFinding channel : layer.channels()) {
                assertThat(channel.batchMean())
                        .as(layer.name() + " mu*")
                        .isCloseTo(muStar[channel.channel()], within(1e-9));
                assertThat(channel.batchVariance())
                        .as(layer.name() + " v*")
                        .isCloseTo(vStar[channel.channel()], within(1e-9));
            }
        }
        assertThat(report.rootCause()).map(LayerFinding::name).hasValue("bn1");
        assertThat(report.layer("bn2b").orElseThrow().maxInferenceInputDrift()).isGreaterThan(0);
        assertThat(report.output().examples()).isEqualTo(12);
    }

    @Test
    void residual_graph_with_dropout_and_moving_statistics_set_to_the_data_passes() {
        ComputationGraph noisy = GraphModels.residualCnn(0.99, 5, true);
        noisy.setParams(residual.params().dup());
        ComputationGraph reference = GraphModels.residualCnn(0.99, 5, false);
        reference.setParams(residual.params().dup());
        HandStatistics.setGraphMovingStatistics(reference, new INDArray[] {IMAGES.getFeatures()}, RESIDUAL_BN_INPUTS);
        noisy.setParams(reference.params().dup());

        assertThat(noisy).inferenceMatchesTraining(IMAGES, 1e-4).hasConvergedBatchNormStatistics();
    }

    @Test
    void graph_with_two_inputs_and_two_outputs_checks_every_output_and_layer() {
        ComputationGraph graph = GraphModels.twoInputsTwoOutputs(0.99, 7);
        List<MultiDataSet> batches = List.of(GraphModels.twoInputBatch(8, 1), GraphModels.twoInputBatch(6, 2));
        for (MultiDataSet batch : batches) {
            graph.fit(batch);
        }
        ConsistencyReport report = BatchNormInspector.inspect(graph, new OneShotMultiDataSetIterator(batches));

        assertThat(report.layerNames()).containsExactlyInAnyOrder("bnLeft", "bnRight", "bnMerged");
        assertThat(report.layerNames().indexOf("bnMerged")).isEqualTo(2);
        assertThat(report.output().comparedValues()).isEqualTo(14 * (3 + 1));
        assertThat(report.output().classifiedExamples()).isEqualTo(14);
        assertThat(report.output().labelledExamples()).isEqualTo(14);
        for (String bn : List.of("bnLeft", "bnRight", "bnMerged")) {
            String input = Map.of("bnLeft", "denseLeft", "bnRight", "denseRight", "bnMerged", "merge")
                    .get(bn);
            LayerFinding layer = report.layer(bn).orElseThrow();
            double[] muStar = new double[layer.channelCount()];
            for (MultiDataSet batch : batches) {
                double[][] stats = HandStatistics.graphInputStatistics(graph, batch.getFeatures(), input);
                for (int c = 0; c < muStar.length; c++) {
                    muStar[c] += stats[0][c] / batches.size();
                }
            }
            for (ChannelFinding channel : layer.channels()) {
                assertThat(channel.batchMean()).as(bn).isCloseTo(muStar[channel.channel()], within(1e-9));
            }
        }
    }

    @Test
    void input_overwritten_in_place_after_the_layer_read_it_reports_the_drift_it_received() {
        // "dense" feeds both a BatchNormalization and an ActivationLayer, which at inference applies its
        // activation in place on dense's activations.
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(1)
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.feedForward(4))
                .addLayer(
                        "dense",
                        new DenseLayer.Builder()
                                .nOut(6)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "dense")
                .addLayer(
                        "act",
                        new ActivationLayer.Builder()
                                .activation(Activation.RELU)
                                .build(),
                        "dense")
                .addVertex("merge", new MergeVertex(), "bn", "act")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                                .nOut(2)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "merge")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        INDArray features =
                Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 10, 4).subi(0.5);

        ConsistencyReport report = BatchNormInspector.inspect(graph, features);

        LayerFinding bn = report.layer("bn").orElseThrow();
        // read while the pass runs, before "act" overwrites it: the same input on both paths, so no drift
        java.util.List<Integer> order =
                java.util.Arrays.stream(graph.topologicalSortOrder()).boxed().toList();
        assertThat(order.indexOf(graph.getVertex("bn").getVertexIndex()))
                .isLessThan(order.indexOf(graph.getVertex("act").getVertexIndex()));
        assertThat(bn.maxInferenceInputDrift()).isEqualTo(0.0);
        double[][] stats = HandStatistics.graphInputStatistics(graph, new INDArray[] {features}, "dense");
        assertThat(bn.channels().get(0).batchMean()).isCloseTo(stats[0][0], within(1e-9));
    }

    /** The tap reads a site behind a merge vertex: the input the layer receives, the two inputs side by side. */
    @Test
    void the_pass_reads_a_batch_normalization_input_behind_a_merge_vertex() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(1)
                .graphBuilder()
                .addInputs("a", "b")
                .addVertex("merged", new MergeVertex(), "a", "b")
                .addLayer("bn", new BatchNormalization.Builder().nOut(8).build(), "merged")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                                .activation(Activation.IDENTITY)
                                .nIn(8)
                                .nOut(2)
                                .build(),
                        "bn")
                .setOutputs("out")
                .build());
        graph.init();
        INDArray a = Nd4j.rand(4, 4);
        INDArray b = Nd4j.rand(4, 4);
        ModelAdapter adapter = ModelAdapter.of(graph);
        INDArray[] read = new INDArray[1];
        adapter.begin();
        try {
            adapter.run(new INDArray[] {a, b}, true, (site, input) -> read[0] = input.dup());
        } finally {
            adapter.end();
        }
        assertThat(read[0]).isEqualTo(Nd4j.hstack(a, b));
    }

    @Test
    void the_first_vertex_to_reject_the_probe_data_is_named_with_the_shape_it_got() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(1)
                .graphBuilder()
                .addInputs("in")
                .addLayer("d1", new DenseLayer.Builder().nIn(4).nOut(8).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().nOut(8).build(), "d1")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                                .activation(Activation.IDENTITY)
                                .nIn(8)
                                .nOut(2)
                                .build(),
                        "bn")
                .setOutputs("out")
                .build());
        graph.init();

        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(graph, Nd4j.rand(8, 5)))
                .withMessageContaining("vertex 'd1' (DenseLayer, expects nIn 4) is the first to reject its input of "
                        + "shape [8, 5]");
    }

    /**
     * A frozen ActivationLayer beside a BN layer, run before it, applies relu in place on their shared input in fit()
     * (and in feedForward), so the moving statistics follow relu(input); DL4J's output() hands the BN layer the
     * dense layer's activations unchanged, so at inference it normalizes the raw input with relu's statistics. The
     * check reads each input as output() gives it to the layer (it used to read feedForward's overwritten map and
     * called this model converged, though its inference outputs differ from training's).
     */
    @Test
    void frozen_activation_layer_beside_a_batch_normalization_layer_is_read_as_dl4j_infers_with_it() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(1)
                .updater(new org.nd4j.linalg.learning.config.Sgd(0))
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                        "d1",
                        new DenseLayer.Builder()
                                .nIn(4)
                                .nOut(4)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "in")
                .addLayer(
                        "act",
                        new org.deeplearning4j.nn.conf.layers.misc.FrozenLayer(new ActivationLayer.Builder()
                                .activation(Activation.RELU)
                                .build()),
                        "d1")
                .addLayer(
                        "bn",
                        new BatchNormalization.Builder().nOut(4).decay(0.9).build(),
                        "d1")
                .addVertex("merged", new MergeVertex(), "bn", "act")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                                .activation(Activation.IDENTITY)
                                .nIn(8)
                                .nOut(2)
                                .build(),
                        "merged")
                .setOutputs("out")
                .build());
        graph.init();
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(org.nd4j.linalg.api.buffer.DataType.FLOAT, 64, 4);
        DataSet data = new DataSet(x, Nd4j.zeros(64, 2));
        for (int i = 0; i < 200; i++) {
            graph.fit(data);
        }

        // DL4J's output() gives the layer the dense layer's own activations, which feedForward's map (and fit) hands
        // to the activation first: raw d1 = x W + b, by hand in double
        INDArray w = graph.getParam("d1_W").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray b = graph.getParam("d1_b").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray raw =
                x.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).mmul(w).addRowVector(b);
        ConsistencyReport report = BatchNormInspector.inspect(
                graph,
                io.github.bnconsistency.probe.ProbeData.of(x),
                io.github.bnconsistency.InspectionOptions.defaults().withTrainingBatchSize(64));
        LayerFinding bn = report.layer("bn").orElseThrow();
        for (ChannelFinding channel : bn.channels()) {
            INDArray column = raw.getColumn(channel.channel());
            // the target: what the layer normalizes in output(), the raw input
            assertThat(channel.batchMean()).isCloseTo(column.meanNumber().doubleValue(), within(1e-6));
            // the moving mean: fit averaged relu(input)
            double reluMean = org.nd4j.linalg.ops.transforms.Transforms.relu(column, true)
                    .meanNumber()
                    .doubleValue();
            assertThat(channel.movingMean()).isCloseTo(reluMean, within(0.05));
        }
        assertThat(bn.isDiverging()).isTrue();
        assertThat(report.output().maxAbsDifference())
                .as("inference differs from training")
                .isGreaterThan(0.01);
    }
}
