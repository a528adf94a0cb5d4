package io.github.bnconsistency.examples;

import io.github.bnconsistency.junit.BatchNormConsistency;
import io.github.bnconsistency.junit.ConsistencyData;
import io.github.bnconsistency.junit.ModelUnderTest;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JUnit 5 extension on an adequately trained model: this test passes, and then the extension checks that the
 * model's inference outputs match its training outputs on the probe data within 1e-3 (else it fails the test with
 * the report).
 *
 * <p>What "adequately" takes: BatchNormalization decay 0.9 (the moving statistics follow in tens of iterations,
 * not hundreds) and a learning rate that decays, so the weights settle and the moving statistics catch up with
 * them (a moving average lags weights that keep moving).
 */
@BatchNormConsistency(tolerance = 1e-3)
class SmallCnnConsistencyTest {

    static final DataSet IMAGES = SquareImages.generate(12, SmallCnn.IMAGE_SIZE, 7);

    @ModelUnderTest
    MultiLayerNetwork model = SmallCnn.build(0.9,
            new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.97))); // 1e-2 down to 2e-5 at 200

    @ConsistencyData
    DataSet probe() {
        return IMAGES; // probe in the batch size you train with: BatchNormalization statistics are per batch
    }

    @Test
    void learnsTheSquares() {
        for (int iteration = 0; iteration < 200; iteration++) {
            model.fit(IMAGES);
        }

        // model.output(...) is the inference path: it uses the moving statistics the extension checks.
        Evaluation evaluation = new Evaluation(SquareImages.CLASSES);
        evaluation.eval(IMAGES.getLabels(), model.output(IMAGES.getFeatures()));
        assertThat(evaluation.accuracy()).isEqualTo(1.0);
    }
}
