package io.github.bnconsistency.guarantees;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.JsonReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.TextReport;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DL4J's forward passes leave arrays off-heap that only a collection frees. A check over many batches of a model
 * with large activations collects when off-heap memory has grown (64 MB since it began), says so in the probe
 * summary (text, JSON), and does not when told not to; the figures are the same either way.
 */
class GarbageCollectionTest {

    /** Two 32-channel convolutions on 64x64 images, batch 32: 16 MB per activation, far past 64 MB in 8 batches. */
    private static MultiLayerNetwork wideCnn() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3)
                .convolutionMode(ConvolutionMode.Same)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .nOut(32)
                        .activation(Activation.RELU)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn1").build())
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .nOut(32)
                        .activation(Activation.RELU)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn2").build())
                .layer(new GlobalPoolingLayer.Builder().build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(64, 64, 3))
                .build());
        net.init();
        return net;
    }

    private static List<DataSet> batches() {
        Nd4j.getRandom().setSeed(11);
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            batches.add(new DataSet(Nd4j.rand(DataType.FLOAT, 32, 3, 64, 64), Nd4j.zeros(DataType.FLOAT, 32, 3)));
        }
        return batches;
    }

    @Test
    void a_check_over_many_large_batches_collects_and_says_so_unless_told_not_to() {
        MultiLayerNetwork net = wideCnn();
        List<DataSet> batches = batches();

        ConsistencyReport collecting = BatchNormInspector.inspect(
                net, ProbeData.of(new ExistingDataSetIterator(batches)), InspectionOptions.defaults());
        ConsistencyReport not = BatchNormInspector.inspect(
                net,
                ProbeData.of(new ExistingDataSetIterator(batches)),
                InspectionOptions.defaults().withoutGarbageCollection());

        assertThat(collecting.probe().garbageCollections()).isPositive();
        assertThat(TextReport.render(collecting))
                .contains(collecting.probe().garbageCollections() + " garbage collection")
                .contains("InspectionOptions.withoutGarbageCollection()");
        assertThat(JsonReport.parse(JsonReport.render(collecting)).probe().garbageCollections())
                .isEqualTo(collecting.probe().garbageCollections());
        assertThat(not.probe().garbageCollections()).isZero();
        assertThat(TextReport.render(not)).doesNotContain("garbage collection");
        for (int s = 0; s < collecting.layers().size(); s++) {
            LayerFinding a = collecting.layers().get(s);
            LayerFinding b = not.layers().get(s);
            assertThat(a.maxDivergence()).isEqualTo(b.maxDivergence());
            assertThat(a.maxInferenceInputDrift()).isEqualTo(b.maxInferenceInputDrift());
        }
    }
}
