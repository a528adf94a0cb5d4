package io.github.bnconsistency.guarantees;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.api.BatchNormSoftAssertions;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.testing.GraphModels;
import io.github.bnconsistency.testing.ModelSnapshot;
import io.github.bnconsistency.testing.StoryModels;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.recurrent.TimeDistributed;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Every public call leaves the model bit-identical (parameters, updater state, counters, configuration) and does
 * not consume the random numbers its dropout would use: a later fit() gives exactly what it gives without the check.
 */
class ModelUnchangedTest {

    private static final DataSet IMAGES = StoryModels.storyData(101);

    static Stream<Arguments> modelsAndCalls() {
        List<Named<Consumer<Model>>> calls = List.of(
                Named.of("BatchNormInspector.inspect(DataSet)", m -> BatchNormInspector.inspect(m, IMAGES)),
                Named.of(
                        "BatchNormInspector.inspect(DataSetIterator)",
                        m -> BatchNormInspector.inspect(m, new ListDataSetIterator<>(IMAGES.asList(), 4))),
                Named.of(
                        "BatchNormInspector.inspect(DataSetIterator) re-batched: reference and noise sweeps",
                        m -> BatchNormInspector.inspect(
                                m,
                                ProbeData.of(new ListDataSetIterator<>(IMAGES.asList(), 6)),
                                InspectionOptions.defaults().withTrainingBatchSize(4))),
                Named.of(
                        "inferenceMatchesTraining (failing)",
                        m -> catchThrowable(() -> modelAssert(m).inferenceMatchesTraining(IMAGES, 1e-6))),
                Named.of(
                        "hasConvergedBatchNormStatistics (failing)",
                        m -> catchThrowable(() -> modelAssert(m).hasConvergedBatchNormStatistics(IMAGES))),
                Named.of(
                        "batchNormLayer navigation",
                        m -> modelAssert(m)
                                .probedWith(IMAGES)
                                .batchNormLayer("bn1")
                                .hasMeanShiftBelow(1e6)),
                Named.of(
                        "soft assertions",
                        m -> catchThrowable(() -> BatchNormSoftAssertions.assertSoftly(softly -> {
                            if (m instanceof MultiLayerNetwork net) {
                                softly.assertThat(net).inferenceMatchesTraining(IMAGES, 1e-6);
                            } else {
                                softly.assertThat((ComputationGraph) m).inferenceMatchesTraining(IMAGES, 1e-6);
                            }
                        }))));
        List<Named<java.util.function.Supplier<Model>>> models = List.of(
                Named.of("MultiLayerNetwork with dropout, DropConnect and weight noise", () -> {
                    MultiLayerNetwork net = StoryModels.cnn(0.99, 3, true);
                    StoryModels.train(net, IMAGES, 2);
                    return net;
                }),
                Named.of("MultiLayerNetwork without noise", () -> {
                    MultiLayerNetwork net = StoryModels.storyCnn(0.99, 3);
                    StoryModels.train(net, IMAGES, 2);
                    return net;
                }),
                Named.of("MultiLayerNetwork with frozen first layers and dropout", () -> {
                    MultiLayerNetwork net = StoryModels.cnn(0.99, 3, true);
                    StoryModels.train(net, IMAGES, 1);
                    MultiLayerNetwork frozen = StoryModels.withFrozenFeatureExtractor(net);
                    StoryModels.train(frozen, IMAGES, 1);
                    return frozen;
                }),
                Named.of("ComputationGraph with dropout", () -> {
                    ComputationGraph graph = GraphModels.residualCnn(0.99, 3, true);
                    for (int i = 0; i < 2; i++) {
                        graph.fit(IMAGES);
                    }
                    return graph;
                }));
        return models.stream().flatMap(model -> calls.stream().map(call -> Arguments.of(model, call)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("modelsAndCalls")
    void model_is_bit_identical_and_later_training_is_unaffected(
            java.util.function.Supplier<Model> build, Consumer<Model> call) {
        Model checked = build.get();
        Model untouched = build.get(); // the same seeded recipe; clone() would not copy a graph's counters
        assertThat(ModelSnapshot.of(untouched)).isEqualTo(ModelSnapshot.of(checked));
        ModelSnapshot before = ModelSnapshot.of(checked);

        Nd4j.getRandom().setSeed(2024);
        call.accept(checked);
        assertThat(ModelSnapshot.of(checked)).isEqualTo(before);

        fitTwice(checked);
        Nd4j.getRandom().setSeed(2024);
        fitTwice(untouched);
        assertThat(ModelSnapshot.of(checked)).isEqualTo(ModelSnapshot.of(untouched));
    }

    /** DL4J's clone() of LastTimeStep, TimeDistributed and Bidirectional shares the wrapped layer's configuration. */
    @Test
    void dropout_inside_wrapper_layers_stays_in_the_model() {
        Nd4j.getRandom().setSeed(11);
        DataSet sequences = new DataSet(Nd4j.rand(DataType.FLOAT, 8, 3, 5), Nd4j.rand(DataType.FLOAT, 8, 2));
        MultiLayerNetwork checked = wrappedRecurrentNetwork();
        MultiLayerNetwork untouched = wrappedRecurrentNetwork();
        ModelSnapshot before = ModelSnapshot.of(checked);

        BatchNormInspector.inspect(checked, sequences);

        assertThat(ModelSnapshot.of(checked)).isEqualTo(before);
        assertThat(checked.getLayerWiseConfigurations().getConfs())
                .extracting(conf -> innermost(conf.getLayer()).getIDropout())
                .hasSize(5)
                .filteredOn(java.util.Objects::nonNull)
                .hasSize(3);
        Nd4j.getRandom().setSeed(2024);
        checked.fit(sequences);
        Nd4j.getRandom().setSeed(2024);
        untouched.fit(sequences);
        assertThat(ModelSnapshot.of(checked)).isEqualTo(ModelSnapshot.of(untouched));
    }

    private static MultiLayerNetwork wrappedRecurrentNetwork() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(5)
                .list()
                .layer(new Bidirectional(
                        Bidirectional.Mode.CONCAT,
                        new LSTM.Builder().nIn(3).nOut(4).dropOut(0.5).build()))
                .layer(new TimeDistributed(
                        new DenseLayer.Builder().nIn(8).nOut(6).dropOut(0.5).build(), RNNFormat.NCW))
                .layer(new LastTimeStep(
                        new LSTM.Builder().nIn(6).nOut(6).dropOut(0.5).build()))
                .layer(new BatchNormalization.Builder().nOut(6).name("bn").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY)
                        .nIn(6)
                        .nOut(2)
                        .build())
                .build());
        net.init();
        return net;
    }

    private static Layer innermost(Layer layer) {
        if (layer instanceof Bidirectional bidirectional) {
            return innermost(bidirectional.getFwd());
        }
        return layer instanceof BaseWrapperLayer wrapper ? innermost(wrapper.getUnderlying()) : layer;
    }

    private static void fitTwice(Model model) {
        for (int i = 0; i < 2; i++) {
            if (model instanceof MultiLayerNetwork net) {
                net.fit(IMAGES);
            } else {
                ((ComputationGraph) model).fit(IMAGES);
            }
        }
    }

    private static io.github.bnconsistency.api.AbstractModelAssert<?, ?> modelAssert(Model model) {
        return model instanceof MultiLayerNetwork net ? assertThat(net) : assertThat((ComputationGraph) model);
    }
}
