package io.github.bnconsistency.minibatch;

import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/** A dense classifier trained as users train: shuffled mini-batches from an iterator, several epochs. */
public final class MiniBatchModels {

    static final int CLASSES = 3;
    static final int FEATURES = 6;

    private MiniBatchModels() {}

    /** {@code count} examples of 3 classes, each class a Gaussian blob around its own centre. */
    public static DataSet blobs(int count, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, count, CLASSES);
        for (int i = 0; i < count; i++) {
            labels.putScalar(i, i % CLASSES, 1);
        }
        Nd4j.getRandom().setSeed(1000); // the same class centres for training and validation data
        INDArray centres = Nd4j.randn(DataType.FLOAT, CLASSES, FEATURES).muli(1.5);
        Nd4j.getRandom().setSeed(seed);
        INDArray features = Nd4j.randn(DataType.FLOAT, count, FEATURES)
                .addi(labels.mmul(centres))
                .muli(2)
                .addi(1);
        return new DataSet(features, labels);
    }

    /** Two dense + BatchNormalization blocks; the learning rate decays so that the weights settle. */
    static MultiLayerNetwork dense(double decay, long seed) {
        MultiLayerNetwork model = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 5e-3, 0.995)))
                .list()
                .layer(new DenseLayer.Builder()
                        .nOut(16)
                        .activation(Activation.RELU)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn1").decay(decay).build())
                .layer(new DenseLayer.Builder()
                        .nOut(16)
                        .activation(Activation.RELU)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn2").decay(decay).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(CLASSES)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(FEATURES))
                .build());
        model.init();
        return model;
    }

    /** Shuffled mini-batches of {@code batchSize}, reshuffled every epoch, as DL4J's fit(iterator, epochs) reads them. */
    static DataSetIterator shuffled(DataSet data, int batchSize, long seed) {
        List<DataSet> examples = data.asList();
        java.util.Collections.shuffle(examples, new java.util.Random(seed));
        return new ListDataSetIterator<>(examples, batchSize);
    }

    private static final java.util.Map<String, MultiLayerNetwork> TRAINED =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Trained once per configuration in a test run; each caller gets its own copy. */
    public static MultiLayerNetwork trained(double decay, int batchSize, int epochs, long seed) {
        MultiLayerNetwork model = TRAINED.computeIfAbsent(
                decay + "/" + batchSize + "/" + epochs + "/" + seed, key -> train(decay, batchSize, epochs, seed));
        MultiLayerNetwork copy = model.clone();
        copy.setIterationCount(model.getIterationCount());
        copy.setEpochCount(model.getEpochCount());
        return copy;
    }

    private static MultiLayerNetwork train(double decay, int batchSize, int epochs, long seed) {
        MultiLayerNetwork model = dense(decay, seed);
        DataSet train = blobs(480, seed);
        for (int epoch = 0; epoch < epochs; epoch++) {
            model.fit(shuffled(train, batchSize, seed * 1000 + epoch));
        }
        return model;
    }
}
