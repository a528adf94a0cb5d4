package io.github.bnconsistency.docs;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;

/** The README's quick start, verbatim: if this stops compiling or passing, the README is wrong. */
class QuickStartTest {

    @Test
    void inference_behaves_like_training() {
        Nd4j.getRandom().setSeed(42);
        INDArray labels = Nd4j.eye(3).repeat(0, 20);                      // 60 examples of 3 classes
        INDArray features = Nd4j.randn(60, 4).addi(labels.mmul(Nd4j.rand(3, 4).muli(4)));
        DataSet data = new DataSet(features, labels);
        MultiLayerNetwork model = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(42).updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.97))).list()
                .layer(new DenseLayer.Builder().nOut(16).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().name("bn").decay(0.9).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(4))
                .build());
        model.init();
        for (int i = 0; i < 200; i++) {
            model.fit(data);
        }

        assertThat(model).inferenceMatchesTraining(data, 1e-3)
                .hasConvergedBatchNormStatistics()
                .batchNormLayer("bn").hasMeanShiftBelow(0.05);
    }
}
