package io.github.bnconsistency.testing;

import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** ComputationGraphs with BatchNormalization, for graph tests. */
public final class GraphModels {

    private GraphModels() {}

    /**
     * A residual CNN on 3x32x32 images, 3 classes:
     * conv1-bn1-relu1, then a branch conv2a-bn2a-relu2a-conv2b-bn2b added to relu1 (residual), relu, pool,
     * dense-bn3-relu3, softmax. With {@code dropout}, dropout on conv2b's input and on the output layer.
     */
    public static ComputationGraph residualCnn(double decay, long seed, boolean dropout) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(1e-2))
                .weightInit(WeightInit.RELU)
                .graphBuilder()
                .addInputs("image")
                .setInputTypes(InputType.convolutional(StoryModels.SIZE, StoryModels.SIZE, 3))
                .addLayer(
                        "conv1",
                        new ConvolutionLayer.Builder(3, 3)
                                .nOut(8)
                                .stride(2, 2)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "image")
                .addLayer("bn1", new BatchNormalization.Builder().decay(decay).build(), "conv1")
                .addLayer(
                        "relu1",
                        new ActivationLayer.Builder()
                                .activation(Activation.RELU)
                                .build(),
                        "bn1")
                .addLayer(
                        "conv2a",
                        new ConvolutionLayer.Builder(3, 3)
                                .nOut(8)
                                .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "relu1")
                .addLayer("bn2a", new BatchNormalization.Builder().decay(decay).build(), "conv2a")
                .addLayer(
                        "relu2a",
                        new ActivationLayer.Builder()
                                .activation(Activation.RELU)
                                .build(),
                        "bn2a")
                .addLayer(
                        "conv2b",
                        new ConvolutionLayer.Builder(3, 3)
                                .nOut(8)
                                .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same)
                                .activation(Activation.IDENTITY)
                                .dropOut(dropout ? new Dropout(0.5) : null)
                                .build(),
                        "relu2a")
                .addLayer("bn2b", new BatchNormalization.Builder().decay(decay).build(), "conv2b")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn2b", "relu1")
                .addLayer(
                        "relu2",
                        new ActivationLayer.Builder()
                                .activation(Activation.RELU)
                                .build(),
                        "add")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "relu2")
                .addLayer(
                        "dense",
                        new DenseLayer.Builder()
                                .nOut(16)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "pool")
                .addLayer("bn3", new BatchNormalization.Builder().decay(decay).build(), "dense")
                .addLayer(
                        "relu3",
                        new ActivationLayer.Builder()
                                .activation(Activation.RELU)
                                .build(),
                        "bn3")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .nOut(StoryModels.CLASSES)
                                .activation(Activation.SOFTMAX)
                                .dropOut(dropout ? new Dropout(0.5) : null)
                                .build(),
                        "relu3")
                .setOutputs("out")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    /**
     * Two dense inputs (4 and 3 features), each through a dense layer and its own BatchNormalization
     * ({@code bnLeft}, {@code bnRight}), merged, then {@code bnMerged} and two outputs: a 3-class softmax and a
     * regression value.
     */
    public static ComputationGraph twoInputsTwoOutputs(double decay, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(1e-2))
                .graphBuilder()
                .addInputs("left", "right")
                .setInputTypes(InputType.feedForward(4), InputType.feedForward(3))
                .addLayer(
                        "denseLeft",
                        new DenseLayer.Builder()
                                .nOut(5)
                                .activation(Activation.TANH)
                                .build(),
                        "left")
                .addLayer(
                        "bnLeft", new BatchNormalization.Builder().decay(decay).build(), "denseLeft")
                .addLayer(
                        "denseRight",
                        new DenseLayer.Builder()
                                .nOut(4)
                                .activation(Activation.TANH)
                                .build(),
                        "right")
                .addLayer(
                        "bnRight",
                        new BatchNormalization.Builder()
                                .decay(decay)
                                .useLogStd(false)
                                .build(),
                        "denseRight")
                .addVertex("merge", new MergeVertex(), "bnLeft", "bnRight")
                .addLayer(
                        "bnMerged",
                        new BatchNormalization.Builder().decay(decay).build(),
                        "merge")
                .addLayer(
                        "classes",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .nOut(3)
                                .activation(Activation.SOFTMAX)
                                .build(),
                        "bnMerged")
                .addLayer(
                        "value",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                                .nOut(1)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "bnMerged")
                .setOutputs("classes", "value")
                .build();
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init();
        return graph;
    }

    /** A batch for {@link #twoInputsTwoOutputs}: features shifted and scaled so BN has work to do. */
    public static MultiDataSet twoInputBatch(int examples, long seed) {
        Random random = new Random(seed);
        INDArray left = Nd4j.create(examples, 4);
        INDArray right = Nd4j.create(examples, 3);
        INDArray classes = Nd4j.zeros(examples, 3);
        INDArray value = Nd4j.create(examples, 1);
        for (int i = 0; i < examples; i++) {
            for (int j = 0; j < 4; j++) {
                left.putScalar(i, j, 3 + 2 * random.nextGaussian());
            }
            for (int j = 0; j < 3; j++) {
                right.putScalar(i, j, -1 + 0.5 * random.nextGaussian());
            }
            classes.putScalar(i, i % 3, 1.0);
            value.putScalar(i, 0, random.nextGaussian());
        }
        return new MultiDataSet(new INDArray[] {left, right}, new INDArray[] {classes, value});
    }
}
