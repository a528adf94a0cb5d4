package io.github.bnconsistency.examples;

import io.github.bnconsistency.api.BatchNormSoftAssertions;
import org.assertj.core.api.junit.jupiter.InjectSoftAssertions;
import org.assertj.core.api.junit.jupiter.SoftAssertionsExtension;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Soft assertions: every failed check is collected and reported together, so one run shows every layer that is
 * off instead of stopping at the first. Injected by AssertJ's {@link SoftAssertionsExtension} (which calls
 * {@code assertAll()} after the test), or scoped with {@link BatchNormSoftAssertions#assertSoftly}. The model is
 * checked once: each {@code batchNormLayer(..)} reads that check, and {@code returnToModel()} goes back for the next.
 */
@ExtendWith(SoftAssertionsExtension.class)
class SoftAssertionsExampleTest {

    static final DataSet IMAGES = SquareImages.generate(12, SmallCnn.IMAGE_SIZE, 7);

    static MultiLayerNetwork trained;
    static MultiLayerNetwork undertrained;

    @InjectSoftAssertions
    BatchNormSoftAssertions softly;

    @BeforeAll
    static void train() {
        trained = SmallCnn.build(0.9, new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.97)));
        undertrained = SmallCnn.build(0.99, new Adam(1e-2));
        for (int i = 0; i < 200; i++) {
            trained.fit(IMAGES);
            if (i < 10) {
                undertrained.fit(IMAGES);
            }
        }
    }

    @Test
    void every_layer_of_an_adequately_trained_model() {
        softly.assertThat(trained).inferenceMatchesTraining(IMAGES, 1e-3)   // checks the model once
                .batchNormLayer("bn1").hasMeanShiftBelow(0.05).hasVarianceRatioWithin(0.9, 1.1).returnToModel()
                .batchNormLayer("bn2").hasMeanShiftBelow(0.05).hasVarianceRatioWithin(0.9, 1.1).returnToModel()
                .batchNormLayer("bn3").hasMeanShiftBelow(0.05).hasVarianceRatioWithin(0.9, 1.1);
    }

    @Test
    void an_undertrained_model_fails_every_check_at_once() {
        assertThatThrownBy(() -> BatchNormSoftAssertions.assertSoftly(soft -> soft.assertThat(undertrained)
                .inferenceMatchesTraining(IMAGES, 1e-3)
                .batchNormLayer("bn1").hasConvergedStatistics().returnToModel()
                .batchNormLayer("bn2").hasConvergedStatistics().returnToModel()
                .batchNormLayer("bn3").hasConvergedStatistics()))
                .hasMessageContaining("Multiple Failures (4 failures)")
                .hasMessageContaining("Expecting inference outputs to match training outputs")
                .hasMessageContaining("bn1")
                .hasMessageContaining("bn3");
    }
}
