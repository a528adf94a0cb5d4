package io.github.bnconsistency.examples;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * A small image classifier with three BatchNormalization layers ({@code bn1}, {@code bn2}, {@code bn3}) for
 * {@link SquareImages} of {@value #IMAGE_SIZE} pixels: conv-BN-ReLU twice, global average pooling,
 * dense-BN-ReLU, softmax over 3 classes. It trains in milliseconds per iteration, so tests can train it properly.
 *
 * <pre>{@code
 * MultiLayerNetwork model = SmallCnn.build(0.9, new Adam(1e-2));
 * }</pre>
 */
public final class SmallCnn {

    /** Image side in pixels. */
    public static final int IMAGE_SIZE = 32;

    private SmallCnn() {
    }

    /** An initialized network, the same every time; {@code decay} on every BatchNormalization layer. */
    public static MultiLayerNetwork build(double decay, IUpdater updater) {
        MultiLayerNetwork model = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(1)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv1").nOut(8).stride(2, 2)
                        .activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn1").decay(decay).build())
                .layer(new ActivationLayer.Builder().name("relu1").activation(Activation.RELU).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv2").nOut(8).stride(2, 2)
                        .activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn2").decay(decay).build())
                .layer(new ActivationLayer.Builder().name("relu2").activation(Activation.RELU).build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).name("pool").build())
                .layer(new DenseLayer.Builder().name("dense").nOut(16).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn3").decay(decay).build())
                .layer(new ActivationLayer.Builder().name("relu3").activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(SquareImages.CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(IMAGE_SIZE, IMAGE_SIZE, 3))
                .build());
        model.init();
        return model;
    }
}
