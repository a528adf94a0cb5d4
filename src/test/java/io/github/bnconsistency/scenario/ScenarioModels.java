package io.github.bnconsistency.scenario;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
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
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.linalg.schedule.MapSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The study's models and how they are trained: the way users train, with Adam on shuffled mini-batches from a
 * {@code DataSetIterator} that is reshuffled every epoch. Both networks are small, so a scenario trains in seconds.
 */
final class ScenarioModels {

    /** Adam's rate while the weights learn. */
    static final double LEARNING_RATE = 1e-2;

    private ScenarioModels() {}

    /** An initialized, untrained network for the scenario. */
    static MultiLayerNetwork build(Scenario scenario) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(scenario.seed())
                .updater(new Adam(learningRate(scenario)))
                .weightInit(WeightInit.RELU)
                .list();
        MultiLayerConfiguration conf = scenario.architecture() == Scenario.Architecture.DENSE
                ? dense(list, scenario.decay())
                : cnn(list, scenario.decay());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Trains {@code net} for the scenario's epochs on freshly shuffled mini-batches of the training examples. */
    static void train(MultiLayerNetwork net, ScenarioData data, Scenario scenario) {
        // its own stream of the seed, so that the shuffling does not depend on how the data was generated
        ShufflingIterator batches =
                new ShufflingIterator(data.training(), scenario.batchSize(), new Random(scenario.seed() * 31 + 1));
        net.fit(batches, scenario.epochs());
    }

    /**
     * HELD: {@link #LEARNING_RATE} throughout. DECAYED: a tenth of it after 40% of the iterations, a hundredth
     * after 55% and a thousandth (1e-5) from 70%, so that in the last 30% the weights barely move and the moving
     * statistics can catch up with them (they lag the weights while they move).
     */
    private static ISchedule learningRate(Scenario scenario) {
        int total = scenario.iterations();
        Map<Integer, Double> steps = new TreeMap<>(Map.of(0, LEARNING_RATE));
        if (scenario.learningRate() == Scenario.LearningRate.DECAYED) {
            // put in order, so that for very short runs a later step wins a shared iteration
            steps.put((int) (0.40 * total), LEARNING_RATE / 10);
            steps.put((int) (0.55 * total), LEARNING_RATE / 100);
            steps.put((int) (0.70 * total), LEARNING_RATE / 1000);
        }
        return new MapSchedule(ScheduleType.ITERATION, steps);
    }

    /**
     * Three blocks dense-BN-relu (32, 32, 16 units), softmax. BN stores its variance as {@code var} here (as Keras
     * imports do) and as {@code log10stdev} in the CNN, so both storages are exercised.
     */
    private static MultiLayerConfiguration dense(NeuralNetConfiguration.ListBuilder list, double decay) {
        int[] widths = {32, 32, 16};
        for (int b = 0; b < widths.length; b++) {
            list.layer(new DenseLayer.Builder()
                            .name("dense" + (b + 1))
                            .nOut(widths[b])
                            .activation(Activation.IDENTITY)
                            .build())
                    .layer(new BatchNormalization.Builder()
                            .name("bn" + (b + 1))
                            .decay(decay)
                            .useLogStd(false)
                            .build())
                    .layer(new ActivationLayer.Builder()
                            .name("relu" + (b + 1))
                            .activation(Activation.RELU)
                            .build());
        }
        return list.layer(output())
                .setInputType(InputType.feedForward(ScenarioData.FEATURES))
                .build();
    }

    /** Three blocks conv3x3-BN-relu (8 channels each, the second with stride 2), global average pooling, softmax. */
    private static MultiLayerConfiguration cnn(NeuralNetConfiguration.ListBuilder list, double decay) {
        for (int b = 0; b < 3; b++) {
            int stride = b == 1 ? 2 : 1;
            list.layer(new ConvolutionLayer.Builder(3, 3)
                            .name("conv" + (b + 1))
                            .nOut(8)
                            .stride(stride, stride)
                            .convolutionMode(ConvolutionMode.Same)
                            .activation(Activation.IDENTITY)
                            .build())
                    .layer(new BatchNormalization.Builder()
                            .name("bn" + (b + 1))
                            .decay(decay)
                            .build())
                    .layer(new ActivationLayer.Builder()
                            .name("relu" + (b + 1))
                            .activation(Activation.RELU)
                            .build());
        }
        return list.layer(new GlobalPoolingLayer.Builder(PoolingType.AVG)
                        .name("pool")
                        .build())
                .layer(output())
                .setInputType(InputType.convolutional(ScenarioData.SIZE, ScenarioData.SIZE, 1))
                .build();
    }

    private static OutputLayer output() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .name("out")
                .nOut(ScenarioData.CLASSES)
                .activation(Activation.SOFTMAX)
                .build();
    }
}
