package io.github.bnconsistency.examples;

import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.Recalibration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The assertions on their own, without the JUnit extension: check the model where and when you choose, on the
 * data you choose, down to one layer.
 */
class AssertionsExampleTest {

    static final DataSet IMAGES = SquareImages.generate(12, SmallCnn.IMAGE_SIZE, 7);

    @Test
    void adequately_trained_model_behaves_the_same_at_inference() {
        MultiLayerNetwork model = SmallCnn.build(0.9,
                new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.97)));
        train(model, 200);

        assertThat(model).inferenceMatchesTraining(IMAGES, 1e-3)
                .hasConvergedBatchNormStatistics()
                .passesBatchNormLint()
                .batchNormLayer("bn1").hasMeanShiftBelow(0.05).hasVarianceRatioWithin(0.95, 1.05);
    }

    @Test
    void ten_iterations_at_keras_momentum_fail_with_the_diagnosis() {
        MultiLayerNetwork model = SmallCnn.build(0.99, new Adam(1e-2));
        train(model, 10);

        assertThatThrownBy(() -> assertThat(model).inferenceMatchesTraining(IMAGES, 1e-3))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: bn1")
                .hasMessageContaining("3 of 3 BatchNormalization layers diverge")
                .hasMessageContaining("decay 0.99 after 10 training iterations");
    }

    @Test
    void recalibrated_copy_passes_and_the_original_is_left_as_it_was() {
        MultiLayerNetwork model = SmallCnn.build(0.99, new Adam(1e-2));
        train(model, 10);

        Recalibration<MultiLayerNetwork> fixed = BatchNormRecalibration.recalibratedCopy(model, IMAGES);

        assertThat(fixed.recalibratedLayers()).containsExactly("bn1", "bn2", "bn3");
        assertThat(fixed.model()).inferenceMatchesTraining(IMAGES, 1e-4).hasConvergedBatchNormStatistics();
        assertThatThrownBy(() -> assertThat(model).hasConvergedBatchNormStatistics(IMAGES))
                .isInstanceOf(AssertionError.class);
    }

    private static void train(MultiLayerNetwork model, int iterations) {
        for (int i = 0; i < iterations; i++) {
            model.fit(IMAGES);
        }
    }
}
