package io.github.bnconsistency.story;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.testing.HandStatistics;
import io.github.bnconsistency.testing.StoryModels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Dropout, DropConnect and weight noise differ between training and inference too; the check leaves them out. */
class ConfoundersTest {

    @Test
    void converged_model_with_heavy_dropout_and_weight_noise_passes() {
        DataSet images = StoryModels.storyData(101);
        MultiLayerNetwork noisy = StoryModels.cnn(0.9, 3, true);
        StoryModels.train(noisy, images, 5);
        // "converged": moving statistics equal the batch statistics of the noise-free training path
        MultiLayerNetwork noiseFree = StoryModels.cnn(0.9, 3, false);
        noiseFree.setParams(noisy.params().dup());
        HandStatistics.setMovingStatisticsToBatchStatistics(noisy, noiseFree, images.getFeatures());

        // the noise is real: DL4J's own training-mode output differs a lot from inference
        INDArray naive =
                Transforms.abs(noisy.output(images.getFeatures(), true).sub(noisy.output(images.getFeatures(), false)));
        assertThat(naive.maxNumber().doubleValue()).isGreaterThan(0.05);

        assertThat(noisy).inferenceMatchesTraining(images, 1e-4).hasConvergedBatchNormStatistics();
    }
}
