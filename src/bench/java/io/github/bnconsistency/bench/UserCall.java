package io.github.bnconsistency.bench;

import io.github.bnconsistency.api.BatchNormAssertions;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/** The assertion as a test calls it, the way the benchmark times and measures it. */
final class UserCall {

    /** The tolerance of the benchmark's assertion. */
    static final double TOLERANCE = 1e-3;

    private UserCall() {}

    /**
     * {@code BatchNormAssertions.assertThat(model).inferenceMatchesTraining(data, 1e-3)}; a failure is caught and
     * its message read, as a test runner does when it reports the failure (AssertJ words the message when it makes
     * the error; reading it makes sure the benchmark pays for the wording, whenever that happens).
     *
     * @return the failure's message, or {@code null} when the assertion passed
     */
    static String inferenceMatchesTraining(Model model, DataSet data) {
        try {
            if (model instanceof MultiLayerNetwork network) {
                BatchNormAssertions.assertThat(network).inferenceMatchesTraining(data, TOLERANCE);
            } else {
                BatchNormAssertions.assertThat((ComputationGraph) model).inferenceMatchesTraining(data, TOLERANCE);
            }
            return null;
        } catch (AssertionError failure) {
            return String.valueOf(failure.getMessage());
        }
    }
}
