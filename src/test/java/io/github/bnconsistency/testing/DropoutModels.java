package io.github.bnconsistency.testing;

import java.util.Random;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.distribution.NormalDistribution;
import org.deeplearning4j.nn.conf.dropout.GaussianDropout;
import org.deeplearning4j.nn.conf.dropout.GaussianNoise;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.weightnoise.WeightNoise;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * Issue 13's first repro as DL4J code: a dense classifier with dropout (or other training-only noise) before its
 * BatchNormalization layer, trained in shuffled mini-batches of {@value #BATCH} from an iterator.
 */
public final class DropoutModels {

    /** The DropoutLayer's retain probability (DL4J's p; Keras's rate 0.5). */
    public static final double RETAIN = 0.5;

    public static final int BATCH = 16;

    private DropoutModels() {}

    /** What is random in training only, and where: each shifts the variance the BN layer sees in training. */
    public enum Noise {
        NONE,
        DROPOUT_LAYER,
        GAUSSIAN_DROPOUT_ON_DENSE,
        GAUSSIAN_NOISE_ON_DENSE,
        WEIGHT_NOISE_ON_DENSE,
        /** {@code NeuralNetConfiguration.Builder.dropOut(0.5)}: every layer's input, the BN layer's (ignored) too. */
        NETWORK_WIDE_DROPOUT
    }

    /** Dense(12) - [noise] - BatchNormalization - ReLU - softmax(3), Adam with a learning rate that settles. */
    public static MultiLayerNetwork dense(long seed, Noise noise, double decay) {
        DenseLayer.Builder dense =
                new DenseLayer.Builder().name("dense").nOut(12).activation(Activation.IDENTITY);
        switch (noise) {
            case GAUSSIAN_DROPOUT_ON_DENSE -> dense.dropOut(new GaussianDropout(0.5));
            case GAUSSIAN_NOISE_ON_DENSE -> dense.dropOut(new GaussianNoise(3.0));
            case WEIGHT_NOISE_ON_DENSE -> dense.weightNoise(new WeightNoise(new NormalDistribution(0, 0.5)));
            default -> {}
        }
        NeuralNetConfiguration.Builder builder = new NeuralNetConfiguration.Builder();
        if (noise == Noise.NETWORK_WIDE_DROPOUT) {
            builder.dropOut(RETAIN);
        }
        NeuralNetConfiguration.ListBuilder list = builder.seed(seed)
                // settles: 1e-2 * 0.996^1200 = 8e-5 at the end of 40 epochs
                .updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.996)))
                .list()
                .layer(dense.build());
        if (noise == Noise.DROPOUT_LAYER) {
            list.layer(new DropoutLayer.Builder(RETAIN).name("drop").build());
        }
        MultiLayerNetwork net = new MultiLayerNetwork(list.layer(
                        new BatchNormalization.Builder().name("bn").decay(decay).build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(6))
                .build());
        net.init();
        return net;
    }

    /** 480 examples of 3 classes, separable through their class means. */
    public static DataSet data(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray labels = Nd4j.eye(3).castTo(DataType.FLOAT).repeat(0, 160);
        INDArray centres = Nd4j.randn(DataType.FLOAT, 3, 6).muli(2);
        INDArray features =
                labels.mmul(centres).addi(Nd4j.randn(DataType.FLOAT, 480, 6)).addi(1);
        return new DataSet(features, labels);
    }

    public static void train(MultiLayerNetwork net, DataSet data, int epochs, long seed) {
        Random random = new Random(seed);
        for (int epoch = 0; epoch < epochs; epoch++) {
            net.fit(new ExistingDataSetIterator(StoryModels.shuffledBatches(data.asList(), BATCH, random)));
        }
    }

    public static ExistingDataSetIterator validation(DataSet data, long seed) {
        return new ExistingDataSetIterator(StoryModels.shuffledBatches(data.asList(), BATCH, new Random(seed + 100)));
    }

    private static final java.util.Map<Long, MultiLayerNetwork> TRAINED = new java.util.HashMap<>();

    /**
     * The DropoutLayer model (decay 0.9) after 40 epochs, settled: its BN layer saw dropout in training. Trained once
     * per seed and shared (a check leaves a model unchanged); clone it to change it.
     */
    public static synchronized MultiLayerNetwork trained(long seed) {
        return TRAINED.computeIfAbsent(seed, s -> {
            MultiLayerNetwork model = dense(s, Noise.DROPOUT_LAYER, 0.9);
            train(model, data(s), 40, s);
            return model;
        });
    }
}
