package io.github.bnconsistency.examples;

import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.Recalibration;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A model made by Keras, checked in DL4J: {@code cnn_batch_norm.h5} is a Keras Sequential model (Conv2D on
 * 10x10x3 images, BatchNormalization with momentum 0.99 and epsilon 1e-3, ReLU, Conv2D, Dense(1)) saved before
 * any training, so its moving statistics are still Keras's initial mean 0 and variance 1. The check shows that
 * they do not match what the layer sees on real images; recalibrating them on representative images fixes it.
 */
class KerasImportTest {

    private MultiLayerNetwork model;
    private INDArray images;

    @BeforeEach
    void importTheKerasModel() throws Exception {
        Path h5 = Path.of(getClass().getResource("/keras/cnn_batch_norm.h5").toURI());
        model = KerasModelImport.importKerasSequentialModelAndWeights(h5.toString(), false);
        Nd4j.getRandom().setSeed(11);
        images = Nd4j.rand(DataType.FLOAT, 32, 10, 10, 3); // pixels in [0, 1], channels last as in Keras
    }

    @Test
    void keras_moving_statistics_do_not_match_the_data() {
        assertThatThrownBy(() -> assertThat(model).inferenceMatchesTraining(images, 1e-3))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: batch_normalization_1")
                .hasMessageContaining("recalibrate the moving statistics");
    }

    @Test
    void recalibrated_on_the_data_inference_matches_training() {
        Recalibration<MultiLayerNetwork> recalibration = BatchNormRecalibration.recalibrate(model, images);

        assertThat(recalibration.recalibratedLayers()).containsExactly("batch_normalization_1");
        assertThat(model).inferenceMatchesTraining(images, 1e-4)
                .hasConvergedBatchNormStatistics()
                .batchNormLayer("batch_normalization_1").hasMeanShiftBelow(0.01);
    }
}
