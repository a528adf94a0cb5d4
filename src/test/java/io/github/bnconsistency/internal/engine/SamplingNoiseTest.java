package io.github.bnconsistency.internal.engine;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.LintFinding;
import io.github.bnconsistency.report.TextReport;
import io.github.bnconsistency.testing.StoryModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Trained on shuffled mini-batches of 8, a converged model's moving statistics still wander around their target
 * by sampling alone; the check must not blame that, but must blame the same model early in training.
 */
class SamplingNoiseTest {

    private static final List<DataSet> EXAMPLES = StoryModels.images(48, 5).asList();

    /** Three fresh shuffles of the 48 examples in batches of 8, drawn the way training draws them. */
    private static List<DataSet> probeBatches() {
        Random random = new Random(77);
        List<DataSet> batches = new ArrayList<>();
        for (int shuffle = 0; shuffle < 3; shuffle++) {
            batches.addAll(StoryModels.shuffledBatches(EXAMPLES, 8, random));
        }
        return batches;
    }

    private static MultiLayerNetwork converged;

    @BeforeAll
    static void trainUntilConverged() {
        converged = StoryModels.settlingCnn(0.9, 2);
        StoryModels.trainShuffled(converged, EXAMPLES, 8, 50, new Random(9)); // 300 iterations, learning rate -> 2e-5
    }

    @Test
    void converged_model_on_shuffled_batches_is_not_reported_as_diverging() {
        MultiLayerNetwork model = converged;

        ConsistencyReport report = BatchNormInspector.inspect(model, new ExistingDataSetIterator(probeBatches()));

        assertThat(report.divergingLayers()).isEmpty();
        assertThat(report.lint()).isEmpty();
        assertThat(report.layers())
                .extracting(LayerFinding::noiseFloor)
                .allSatisfy(n -> assertThat(n).isPositive());
        // the honest part: not every layer is within the plain tolerance; the noise verdict is what clears them
        assertThat(report.layers()).extracting(LayerFinding::status).contains(LayerStatus.WITHIN_NOISE);
        assertThat(model)
                .probedWith(new ExistingDataSetIterator(probeBatches()))
                .hasConvergedBatchNormStatistics();
    }

    /**
     * Batches of one class each: their means spread far more than random batches' would, and each is normalized
     * by its own statistics in training mode. The report must name the probe, not only advise more training.
     */
    @Test
    void probe_batches_of_one_class_each_are_named_as_what_the_verdicts_reflect() {
        List<DataSet> byClass = new ArrayList<>(EXAMPLES);
        byClass.sort(java.util.Comparator.comparingInt(
                example -> example.getLabels().argMax(1).getInt(0)));
        List<DataSet> batches = new ArrayList<>();
        for (int i = 0; i < byClass.size(); i += 8) {
            batches.add(DataSet.merge(byClass.subList(i, i + 8)));
        }

        ConsistencyReport report = BatchNormInspector.inspect(converged, new ExistingDataSetIterator(batches));

        assertThat(report.lint()).extracting(LintFinding::rule).contains(LintFinding.UNREPRESENTATIVE_PROBE_BATCHES);
        assertThat(TextReport.render(report))
                .contains("the probe batches' means differ from one another over 3 times more than random batches "
                        + "of 8 examples would")
                .contains("Fix: first probe with batches drawn as training draws them");
    }

    @Test
    void same_model_after_a_few_iterations_is_reported_as_diverging() {
        MultiLayerNetwork model = StoryModels.settlingCnn(0.9, 2);
        StoryModels.trainShuffled(model, EXAMPLES, 8, 1, new Random(9)); // 6 iterations

        ConsistencyReport report = BatchNormInspector.inspect(model, new ExistingDataSetIterator(probeBatches()));

        assertThat(report.divergingLayers()).extracting(LayerFinding::name).containsExactly("bn1", "bn2", "bn3", "bn4");
        for (LayerFinding layer : report.layers()) {
            assertThat(layer.maxDivergence()).as(layer.name()).isGreaterThan(5 * layer.noiseFloor());
        }
    }
}
