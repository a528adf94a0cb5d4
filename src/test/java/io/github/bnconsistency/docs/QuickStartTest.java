package io.github.bnconsistency.docs;

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
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import java.util.Random;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;

/** The README's quick start, verbatim: if this stops compiling or passing, the README is wrong. */
class QuickStartTest {

    @Test
    void inference_behaves_like_training() {
        DataSet train = data(600, 1), validation = data(192, 2);
        MultiLayerNetwork model = classifier(0.9);
        for (int epoch = 0; epoch < 10; epoch++) {                        // shuffled mini-batches of 16
            train.shuffle(epoch);
            model.fit(new ListDataSetIterator<>(train.asList(), 16));
        }

        assertThat(model).trainedWithBatchSize(16)                       // the reference: batches of 16
                .inferenceMatchesTraining(new ListDataSetIterator<>(validation.asList(), 32), 1e-3)
                .predictionsMatchTraining(0.99)
                .hasConvergedBatchNormStatistics();
    }

    static MultiLayerNetwork classifier(double decay) {
        MultiLayerNetwork model = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.995))).list()
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().name("bn").decay(decay).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4))
                .build());
        model.init();
        return model;
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
