package io.github.bnconsistency.story;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.UpdatesNeeded;
import io.github.bnconsistency.testing.HandStatistics;
import io.github.bnconsistency.testing.StoryModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * "Training accuracy 100%, inference accuracy 33%" on the very same 12 images: a small CNN with four
 * BatchNormalization layers at decay 0.99 (Keras's momentum) after 10 iterations of one batch.
 */
class StoryTest {

    private static final DataSet IMAGES = StoryModels.storyData(101);
    private static MultiLayerNetwork model;

    @BeforeAll
    static void trainTenIterationsAtDecay099() {
        model = StoryModels.storyCnn(0.99, 1);
        StoryModels.train(model, IMAGES, 10);
    }

    @Test
    void training_path_is_accurate_while_inference_is_not() {
        ConsistencyReport report = BatchNormInspector.inspect(model, IMAGES);

        assertThat(report.output().trainingAccuracy()).isGreaterThanOrEqualTo(0.9);
        assertThat(report.output().inferenceAccuracy()).isLessThanOrEqualTo(0.5);
        assertThat(report.output().labelledExamples()).isEqualTo(12);
    }

    @Test
    void every_layer_diverges_and_the_first_is_the_root_cause() {
        ConsistencyReport report = BatchNormInspector.inspect(model, IMAGES);

        assertThat(report.layerNames()).containsExactly("bn1", "bn2", "bn3", "bn4");
        assertThat(report.divergingLayers()).hasSize(4);
        assertThat(report.rootCause()).map(LayerFinding::name).hasValue("bn1");
        // the EMA after 10 updates at decay 0.99 still weighs its initial values 0.99^10 = 0.90
        LayerFinding bn1 = report.layer("bn1").orElseThrow();
        assertThat(bn1.updatesNeeded().kind()).isEqualTo(UpdatesNeeded.Kind.ESTIMATE);
        assertThat(bn1.updatesNeeded().iterations()).isBetween(100L, 999L);
        // later layers receive drifted inputs at inference, the first one does not
        assertThat(bn1.maxInferenceInputDrift()).isZero();
        assertThat(report.layer("bn4").orElseThrow().maxInferenceInputDrift()).isGreaterThan(0.5);
    }

    @Test
    void assertion_fails_naming_the_root_layer_updates_needed_and_the_fix() {
        assertThatThrownBy(() -> assertThat(model).as("story").inferenceMatchesTraining(IMAGES, 1e-3))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("[story] \nExpecting inference outputs to match training outputs within 0.001,")
                .hasMessageContaining("training acc 100%, inference acc 33.3%")
                .hasMessageContaining(
                        "Root cause: bn1 (BN layer 1 of 4, layer index 1) moving statistics have not converged")
                .hasMessageContaining("4 of 4 BatchNormalization layers diverge (layer tolerance 0.05):")
                .hasMessageMatching("(?s).*\\n  bn1 +yes +8/8 .* ~\\d{3} @0\\.99\\n.*")
                .hasMessageContaining("Why: bn1, bn2, bn3, bn4: decay 0.99 after 10 training iterations: the initial "
                        + "moving statistics still weigh 0.99^10 = 0.904 of the moving average (more than 0.05).")
                .hasMessageMatching("(?s).*\\nFix: train ~\\d{3} more iterations .*, or lower decay to 0\\.9 .*"
                        + "recalibrate the moving statistics.*");
    }

    @Test
    void readme_shows_this_failure_message_as_it_is() throws Exception {
        Throwable failure = catchThrowable(() -> assertThat(model).inferenceMatchesTraining(IMAGES, 1e-3));

        assertThat(Files.readString(Path.of("README.md")))
                .contains("```\n" + failure.getMessage().stripLeading() + "\n```\n");
    }

    @Test
    void same_network_with_moving_statistics_set_to_the_data_passes_at_1e_4() {
        MultiLayerNetwork calibrated = model.clone();
        HandStatistics.setMovingStatisticsToBatchStatistics(calibrated, calibrated, IMAGES.getFeatures());

        assertThat(calibrated).inferenceMatchesTraining(IMAGES, 1e-4).hasConvergedBatchNormStatistics();
        ConsistencyReport report = BatchNormInspector.inspect(calibrated, IMAGES);
        assertThat(report.output().inferenceAccuracy())
                .isEqualTo(report.output().trainingAccuracy());
    }
}
