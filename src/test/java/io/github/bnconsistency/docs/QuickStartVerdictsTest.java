package io.github.bnconsistency.docs;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The quick start's check tells its two cases apart on several seeds of the data: the model trained as README
 * trains it passes, the same model after one epoch at decay 0.99 (Keras's default momentum) fails, naming the
 * layer and without blaming float rounding.
 */
class QuickStartVerdictsTest {

    @ParameterizedTest(name = "data seed {0}")
    @ValueSource(longs = {3, 4, 5})
    void the_trained_model_passes(long seed) {
        MultiLayerNetwork model = trained(0.9, 10, seed);
        assertThat(model)
                .trainedWithBatchSize(16)
                .inferenceMatchesTraining(validation(seed), 1e-3)
                .predictionsMatchTraining(0.99)
                .hasConvergedBatchNormStatistics();
    }

    @ParameterizedTest(name = "data seed {0}")
    @ValueSource(longs = {3, 4, 5})
    void one_epoch_at_decay_0_99_fails(long seed) {
        MultiLayerNetwork model = trained(0.99, 1, seed);
        assertThatThrownBy(() ->
                        assertThat(model).trainedWithBatchSize(16).inferenceMatchesTraining(validation(seed), 1e-3))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: bn")
                .hasMessageNotContaining("float rounding");
        assertThatThrownBy(() ->
                        assertThat(model).trainedWithBatchSize(16).predictionsMatchTraining(validation(seed), 0.99))
                .isInstanceOf(AssertionError.class);
    }

    private static ListDataSetIterator<DataSet> validation(long seed) {
        return new ListDataSetIterator<>(QuickStartTest.data(192, seed * 100).asList(), 32);
    }

    private static MultiLayerNetwork trained(double decay, int epochs, long seed) {
        DataSet train = QuickStartTest.data(600, seed);
        MultiLayerNetwork model = QuickStartTest.classifier(decay);
        for (int epoch = 0; epoch < epochs; epoch++) {
            train.shuffle(epoch);
            model.fit(new ListDataSetIterator<>(train.asList(), 16));
        }
        return model;
    }
}
