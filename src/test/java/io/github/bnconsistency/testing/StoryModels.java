package io.github.bnconsistency.testing;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.weightnoise.DropConnect;
import org.deeplearning4j.nn.conf.weightnoise.WeightNoise;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The motivating story as DL4J code: a small CNN with four BatchNormalization layers trained on 12 images of
 * 3 classes, one batch per iteration.
 */
public final class StoryModels {

    public static final int CLASSES = 3;
    public static final int SIZE = 32;

    private StoryModels() {}

    /** Small CNN: conv-BN-relu x3, pool, dense-BN-relu, softmax output. BN layers named bn1..bn4. */
    public static MultiLayerNetwork storyCnn(double decay, long seed) {
        return cnn(decay, seed, false);
    }

    /**
     * The same CNN with heavy training-only noise: dropout (retain 0.5) on conv2's input, weight noise on conv3,
     * DropConnect on the dense layer, and a DropoutLayer before the output. Without the noise
     * ({@code noise = false}) it is {@link #storyCnn}: same parameter layout, so parameters can be copied across.
     */
    public static MultiLayerNetwork cnn(double decay, long seed, boolean noise) {
        return cnn(decay, seed, noise, new Adam(1e-2));
    }

    /**
     * The story CNN with a learning rate that decays to about 2e-5 over 300 iterations, so the weights settle and
     * the moving statistics can catch up with them (a model that can converge).
     */
    public static MultiLayerNetwork settlingCnn(double decay, long seed) {
        return cnn(decay, seed, false, new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.98)));
    }

    private static MultiLayerNetwork cnn(double decay, long seed, boolean noise, IUpdater updater) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv1")
                        .nOut(8)
                        .stride(2, 2)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn1").decay(decay).build())
                .layer(new ActivationLayer.Builder()
                        .name("relu1")
                        .activation(Activation.RELU)
                        .build())
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv2")
                        .nOut(8)
                        .stride(2, 2)
                        .activation(Activation.IDENTITY)
                        .dropOut(noise ? new Dropout(0.5) : null)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn2").decay(decay).build())
                .layer(new ActivationLayer.Builder()
                        .name("relu2")
                        .activation(Activation.RELU)
                        .build())
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv3")
                        .nOut(8)
                        .activation(Activation.IDENTITY)
                        .weightNoise(noise ? new WeightNoise(new NormalDistribution(0, 0.3)) : null)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn3").decay(decay).build())
                .layer(new ActivationLayer.Builder()
                        .name("relu3")
                        .activation(Activation.RELU)
                        .build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG)
                        .name("pool")
                        .build())
                .layer(new DenseLayer.Builder()
                        .name("dense")
                        .nOut(16)
                        .activation(Activation.IDENTITY)
                        .weightNoise(noise ? new DropConnect(0.5) : null)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn4").decay(decay).build())
                .layer(new ActivationLayer.Builder()
                        .name("relu4")
                        .activation(Activation.RELU)
                        .build())
                .layer(new DropoutLayer.Builder(noise ? new Dropout(0.5) : null)
                        .name("dropout")
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .name("out")
                        .nOut(CLASSES)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(SIZE, SIZE, 3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * 12 images, 4 per class, pixels in [0, 1]: class k has a bright square in one of three places on faint
     * noise. Separable by a simple pattern, so a small CNN learns it in a few iterations.
     */
    public static DataSet storyData(long seed) {
        return images(12, seed);
    }

    /** {@code n} images, classes in turn, as {@link #storyData}. */
    public static DataSet images(int n, long seed) {
        Random random = new Random(seed);
        INDArray features = Nd4j.create(n, 3, SIZE, SIZE);
        INDArray labels = Nd4j.zeros(n, CLASSES);
        for (int i = 0; i < n; i++) {
            int label = i % CLASSES;
            labels.putScalar(i, label, 1.0);
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        double value = 0.1 * random.nextDouble();
                        int x0 = 2 + label * 10;
                        if (x >= x0 && x < x0 + 8 && y >= 12 && y < 20) {
                            value = 0.8 + 0.2 * random.nextDouble();
                        }
                        features.putScalar(new int[] {i, ch, y, x}, value);
                    }
                }
            }
        }
        return new DataSet(features, labels);
    }

    /** {@code epochs} epochs over {@code examples} in freshly shuffled mini-batches of {@code batchSize}. */
    public static void trainShuffled(
            MultiLayerNetwork net, List<DataSet> examples, int batchSize, int epochs, Random random) {
        for (int e = 0; e < epochs; e++) {
            for (DataSet batch : shuffledBatches(examples, batchSize, random)) {
                net.fit(batch);
            }
        }
    }

    /** The examples in a random order, merged into mini-batches of {@code batchSize}. */
    public static List<DataSet> shuffledBatches(List<DataSet> examples, int batchSize, Random random) {
        List<DataSet> shuffled = new ArrayList<>(examples);
        Collections.shuffle(shuffled, random);
        List<DataSet> batches = new ArrayList<>();
        for (int start = 0; start + batchSize <= shuffled.size(); start += batchSize) {
            batches.add(DataSet.merge(shuffled.subList(start, start + batchSize)));
        }
        return batches;
    }

    /** Trains one batch per iteration, {@code iterations} times. */
    public static void train(MultiLayerNetwork net, DataSet data, int iterations) {
        for (int i = 0; i < iterations; i++) {
            net.fit(data);
        }
    }

    /**
     * {@code net} with layers 0 to 2 (conv1, bn1, relu1) frozen, as transfer learning freezes a feature extractor:
     * bn1 is then a FrozenLayer.
     */
    public static MultiLayerNetwork withFrozenFeatureExtractor(MultiLayerNetwork net) {
        return new TransferLearning.Builder(net)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().build())
                .setFeatureExtractor(2)
                .build();
    }
}
