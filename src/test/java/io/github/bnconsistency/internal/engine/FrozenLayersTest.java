package io.github.bnconsistency.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.UpdatesNeeded;
import io.github.bnconsistency.testing.StoryModels;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** BatchNormalization inside FrozenLayer / FrozenLayerWithBackprop: found, measured, never blamed as root cause. */
class FrozenLayersTest {

    @Test
    void frozen_layer_is_measured_but_the_first_unfrozen_diverging_layer_is_the_root_cause() {
        DataSet images = StoryModels.storyData(101);
        MultiLayerNetwork net = StoryModels.storyCnn(0.99, 1);
        StoryModels.train(net, images, 5);
        MultiLayerNetwork frozen = StoryModels.withFrozenFeatureExtractor(net); // conv1, bn1, relu1 frozen

        ConsistencyReport report = BatchNormInspector.inspect(frozen, images);

        LayerFinding bn1 = report.layer("bn1").orElseThrow();
        assertThat(bn1.frozen()).isTrue();
        assertThat(bn1.isDiverging()).isTrue();
        assertThat(bn1.updatesNeeded()).isEqualTo(UpdatesNeeded.never("frozen"));
        assertThat(report.layer("bn2").orElseThrow().frozen()).isFalse();
        assertThat(report.rootCause()).map(LayerFinding::name).hasValue("bn2");
        // a frozen layer normalizes with its moving statistics in training too: no drift enters bn2 from it
        assertThat(report.layer("bn2").orElseThrow().maxInferenceInputDrift()).isLessThan(1e-5);
    }

    @Test
    void batch_normalization_in_frozen_layer_with_backprop_is_found() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(2)
                .list()
                .layer(new DenseLayer.Builder()
                        .nOut(5)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new FrozenLayerWithBackprop(
                        new BatchNormalization.Builder().name("frozenBn").build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nOut(1)
                        .activation(Activation.IDENTITY)
                        .build())
                .setInputType(InputType.feedForward(3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();

        ConsistencyReport report = BatchNormInspector.inspect(net, Nd4j.rand(8, 3));

        assertThat(report.layers()).hasSize(1);
        LayerFinding layer = report.layers().get(0);
        assertThat(layer.name()).isEqualTo("layer1"); // DL4J names the wrapped layer after the wrapper's position
        assertThat(layer.frozen()).isTrue();
        assertThat(layer.channelCount()).isEqualTo(5);
        assertThat(report.rootCause()).isEmpty();
        // frozen: training and inference paths normalize alike, so outputs match
        assertThat(report.output().maxAbsDifference()).isLessThan(1e-6);
    }
}
