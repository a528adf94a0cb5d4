package readme;

import io.github.bnconsistency.junit.BatchNormConsistency;
import io.github.bnconsistency.junit.ConsistencyData;
import io.github.bnconsistency.junit.ModelUnderTest;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

@BatchNormConsistency(tolerance = 1e-3, trainingBatchSize = 16)
class ClassifierTest {

    @ModelUnderTest
    MultiLayerNetwork model = classifier();

    @ConsistencyData
    DataSetIterator probe() {
        return new ListDataSetIterator<>(data(192, 2).asList(), 32); // your validation iterator
    }

    @Test
    void learnsInOneEpoch() {
        train(1); // 38 iterations
        assertTrue(model.score() < 1.0);
        // After this test passes, the extension checks the model on probe() and fails the test: at decay 0.99
        // the moving statistics are still far from what 38 iterations of batches of 16 should have made them.
    }

    @Test
    void learnsInTwentyEpochs() {
        train(20); // 760 iterations: the moving statistics have converged, and the extension's check passes
        assertTrue(model.score() < 1.0);
    }

    void train(int epochs) {
        DataSet train = data(600, 1);
        for (int epoch = 0; epoch < epochs; epoch++) { // shuffled mini-batches of 16, as you train
            train.shuffle(epoch);
            model.fit(new ListDataSetIterator<>(train.asList(), 16));
        }
    }

    static MultiLayerNetwork classifier() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(42)
                .updater(new Adam(1e-3))
                .list()
                .layer(new DenseLayer.Builder().name("dense").nOut(16).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().name("bn").decay(0.99).build()) // Keras's default momentum
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).name("out").nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4))
                .build());
        net.init();
        return net;
    }

    /** {@code n} examples of 4 features; class k has feature k raised by 3. */
    static DataSet data(int n, long seed) {
        Random random = new Random(seed);
        double[][] features = new double[n][4];
        double[][] labels = new double[n][3];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < 4; f++) {
                features[i][f] = 2 + random.nextGaussian() + (f == i % 3 ? 3 : 0);
            }
            labels[i][i % 3] = 1;
        }
        return new DataSet(Nd4j.create(features), Nd4j.create(labels));
    }
}
