package io.github.bnconsistency.api;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.ProbeSummary;
import io.github.bnconsistency.report.Reference;
import io.github.bnconsistency.testing.TinyNetworks;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code predictionsMatchTraining} and {@code hasAccuracyGapAtMost}. The expected figures are counted here: the
 * inference predictions from {@code model.output(x, false)}, the reference's from the training-path normalization
 * done by hand (one probe batch of the training batch size, so the reference is the training path).
 */
class PredictionsMatchTrainingTest {

    private static final double EPS = 1e-5;
    private static final int N = 16;

    /** The reference's class per example: argmax over channels of (x - mu)/sqrt(v + eps), batch statistics. */
    private static int[] referencePredictions() {
        double[][] stats = TinyNetworks.meanAndBiasedVariance(ApiFixtures.VALUES);
        int[] classes = new int[N];
        for (int n = 0; n < N; n++) {
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 3; c++) {
                double y = (ApiFixtures.VALUES[n][c][0] - stats[0][c]) / Math.sqrt(stats[1][c] + EPS);
                if (y > best) {
                    best = y;
                    classes[n] = c;
                }
            }
        }
        return classes;
    }

    private static int[] inferencePredictions(MultiLayerNetwork model) {
        INDArray out = model.output(ApiFixtures.FEATURES.dup(), false);
        int[] classes = new int[N];
        for (int n = 0; n < N; n++) {
            classes[n] = out.getRow(n).argMax().getInt(0);
        }
        return classes;
    }

    private static int agreements(int[] a, int[] b) {
        int same = 0;
        for (int n = 0; n < N; n++) {
            same += a[n] == b[n] ? 1 : 0;
        }
        return same;
    }

    private static DataSet labelled(int[] classes) {
        INDArray labels = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, N, 3);
        for (int n = 0; n < N; n++) {
            labels.putScalar(n, classes[n], 1.0);
        }
        return new DataSet(ApiFixtures.FEATURES, labels);
    }

    @Test
    void should_pass_at_the_agreement_counted_by_hand_and_fail_just_above_it() {
        MultiLayerNetwork model = ApiFixtures.diverging();
        int agree = agreements(referencePredictions(), inferencePredictions(model));
        assertThat(agree)
                .as("the fixture must disagree on some examples, not all")
                .isBetween(1, N - 1);

        assertThat(model).predictionsMatchTraining(ApiFixtures.FEATURES, agree / (double) N);
        assertThatThrownBy(() ->
                        assertThat(model).predictionsMatchTraining(ApiFixtures.FEATURES, (agree + 1) / (double) N))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("\nExpecting inference predictions to match training predictions on at least ")
                .hasMessageContaining("but they matched on " + agree + "/" + N + " (")
                .hasMessageContaining("argmax agreement " + agree + "/" + N)
                .hasMessageContaining("Root cause: bn (BN layer 1 of 1");
    }

    @Test
    void should_pass_a_converged_model_at_full_agreement() {
        assertThat(ApiFixtures.converged()).predictionsMatchTraining(new DataSet(ApiFixtures.FEATURES, null), 1.0);
    }

    @Test
    void should_judge_the_accuracy_gap_counted_by_hand() {
        MultiLayerNetwork model = ApiFixtures.diverging();
        int[] reference = referencePredictions();
        int[] inference = inferencePredictions(model);
        // Labels: the reference's own predictions for the first half, the inference's for the second half.
        int[] labels = new int[N];
        for (int n = 0; n < N; n++) {
            labels[n] = n < N / 2 ? reference[n] : inference[n];
        }
        double gapPoints = 100.0 * Math.abs(agreements(labels, reference) - agreements(labels, inference)) / N;
        assertThat(gapPoints).as("the fixture must have a gap").isPositive();

        assertThat(model).hasAccuracyGapAtMost(labelled(labels), gapPoints);
        assertThatThrownBy(() -> assertThat(model).hasAccuracyGapAtMost(labelled(labels), gapPoints - 0.1))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("\nExpecting inference accuracy to be within ")
                .hasMessageContaining("percentage points of training accuracy")
                .hasMessageContaining("training acc was "
                        + io.github.bnconsistency.report.Numbers.percent(agreements(labels, reference) / (double) N))
                .hasMessageContaining("inference acc "
                        + io.github.bnconsistency.report.Numbers.percent(agreements(labels, inference) / (double) N))
                .hasMessageContaining("(" + N + " labelled examples)");
    }

    @Test
    void should_chain_both_on_one_inspection() {
        int[] reference = referencePredictions();
        assertThat(ApiFixtures.converged())
                .probedWith(labelled(reference))
                .predictionsMatchTraining(0.99)
                .hasAccuracyGapAtMost(0)
                .inferenceMatchesTraining(1e-9);
    }

    @Test
    void should_fail_the_accuracy_form_without_labels_saying_why() {
        assertThatThrownBy(() -> assertThat(ApiFixtures.converged())
                        .probedWith(ApiFixtures.FEATURES)
                        .hasAccuracyGapAtMost(1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("but there is no accuracy to compare (the probe data has no labels): probe with "
                        + "labelled data");
    }

    @Test
    void should_fail_the_accuracy_form_with_labels_that_do_not_fit_saying_why() {
        DataSet wrongLabels = new DataSet(ApiFixtures.FEATURES, Nd4j.zeros(N, 2));

        assertThatThrownBy(() -> assertThat(ApiFixtures.converged()).hasAccuracyGapAtMost(wrongLabels, 1))
                .hasMessageContaining("no accuracy to compare (labels of shape [16, 2] do not match outputs of shape "
                        + "[16, 3], so no accuracy)");
    }

    /** A report whose outputs are one value per example: no class scores. */
    private static ConsistencyReport regressionReport() {
        return new ConsistencyReport(
                "MultiLayerNetwork",
                "FLOAT",
                new ProbeSummary("INDArray", 1, 4, "[4, 3]", 4),
                0.05,
                List.of(),
                new OutputDivergence(4, 4, 0.0, 0.0, 0, 0, Optional.empty(), 0, 0, 0, 0, 0, Optional.empty()),
                Reference.none(4, Reference.BatchSizeSource.PROBE_BATCH_SIZE),
                List.of(),
                List.of());
    }

    @Test
    void should_fail_outputs_that_are_not_class_scores_instead_of_passing() {
        ConsistencyReport report = regressionReport();
        assertThat(report).inferenceMatchesTraining(1e-3); // the same outputs agree exactly

        assertThatThrownBy(() -> assertThat(report).predictionsMatchTraining(0.5))
                .hasMessageContaining("but the outputs are not class scores (rank 2 with more than one column), so "
                        + "there are no predictions to compare: judge the outputs with "
                        + "inferenceMatchesTraining(data, tolerance) instead.");
        assertThatThrownBy(() -> assertThat(report).hasAccuracyGapAtMost(100))
                .hasMessageContaining("but the outputs are not class scores");
    }

    @Test
    void should_fail_predictions_of_non_finite_outputs() {
        ConsistencyReport report = new ConsistencyReport(
                "MultiLayerNetwork",
                "FLOAT",
                new ProbeSummary("INDArray", 1, 4, "[4, 3]", 4),
                0.05,
                List.of(),
                new OutputDivergence(
                        4,
                        12,
                        Double.POSITIVE_INFINITY,
                        Double.NaN,
                        0,
                        12,
                        Optional.empty(),
                        4,
                        4,
                        0,
                        0,
                        0,
                        Optional.empty()),
                Reference.none(4, Reference.BatchSizeSource.PROBE_BATCH_SIZE),
                List.of(),
                List.of());

        assertThatThrownBy(() -> assertThat(report).predictionsMatchTraining(0.5))
                .hasMessageContaining("but 12 inference and 0 training output values were NaN or infinite, so the "
                        + "predictions mean nothing.");
    }

    @Test
    void should_reject_an_agreement_outside_zero_to_one_and_a_gap_outside_zero_to_hundred() {
        for (double minAgreement : new double[] {0, -0.5, 1.01, Double.NaN}) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> assertThat(ApiFixtures.converged())
                            .predictionsMatchTraining(ApiFixtures.FEATURES, minAgreement))
                    .withMessage("The minimum prediction agreement must be a fraction in (0, 1], but was "
                            + minAgreement + ": pass e.g. 0.99 for 99% of the classified examples.");
        }
        for (double gap : new double[] {-1, 101, Double.NaN}) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> assertThat(regressionReport()).hasAccuracyGapAtMost(gap))
                    .withMessageStartingWith("The accuracy gap must be between 0 and 100 percentage points");
        }
    }

    @Test
    void should_collect_prediction_failures_in_soft_assertions() {
        MultiLayerNetwork model = ApiFixtures.diverging();
        BatchNormSoftAssertions softly = new BatchNormSoftAssertions();
        softly.assertThat(model)
                .probedWith(ApiFixtures.FEATURES)
                .predictionsMatchTraining(1.0)
                .hasAccuracyGapAtMost(1);

        assertThat(softly.errorsCollected()).hasSize(2);
    }
}
