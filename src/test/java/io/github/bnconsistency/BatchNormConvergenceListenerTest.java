package io.github.bnconsistency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import io.github.bnconsistency.BatchNormConvergenceListener.Snapshot;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.testing.GraphModels;
import io.github.bnconsistency.testing.StoryModels;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class BatchNormConvergenceListenerTest {

    private static final DataSet IMAGES = StoryModels.storyData(101);

    @Test
    void snapshots_match_a_check_of_the_model_before_each_of_those_iterations() {
        MultiLayerNetwork model = StoryModels.storyCnn(0.99, 1);
        List<String> printed = new ArrayList<>();
        BatchNormConvergenceListener listener =
                BatchNormConvergenceListener.every(3).reportingTo(s -> printed.add(s.toString()));
        model.setListeners(listener);
        List<ConsistencyReport> expected = new ArrayList<>();

        for (int i = 0; i < 10; i++) {
            if (i % 3 == 0) {
                expected.add(BatchNormInspector.inspect(model, IMAGES)); // the same batch, before this fit
            }
            model.fit(IMAGES);
        }

        List<Snapshot> snapshots = listener.snapshots();
        assertThat(snapshots).extracting(Snapshot::iteration).containsExactly(0, 3, 6, 9);
        for (int s = 0; s < snapshots.size(); s++) {
            for (int l = 0; l < 4; l++) {
                assertThat(snapshots.get(s).layers().get(l).divergence())
                        .as("snapshot %d layer %d", s, l)
                        .isCloseTo(expected.get(s).layers().get(l).maxDivergence(), within(1e-6));
            }
        }
        assertThat(printed)
                .hasSize(4)
                .first()
                .asString()
                .startsWith("iteration 0: 4 of 4 BatchNormalization layers off");
        // at decay 0.99 the statistics barely move in 10 iterations
        assertThat(snapshots.get(3).maxDivergence()).isGreaterThan(0.5);
    }

    @Test
    void divergence_falls_as_a_fast_decay_catches_up() {
        MultiLayerNetwork model = StoryModels.storyCnn(0.5, 1);
        model.setLearningRate(0.0); // weights fixed: only the moving statistics move
        BatchNormConvergenceListener listener = BatchNormConvergenceListener.every(5);
        model.setListeners(listener);

        StoryModels.train(model, IMAGES, 21);

        List<Snapshot> snapshots = listener.snapshots();
        assertThat(snapshots).extracting(Snapshot::iteration).containsExactly(0, 5, 10, 15, 20);
        assertThat(snapshots.get(0).maxDivergence()).isGreaterThan(0.5);
        // every gap halves per iteration (2^-20 after 20), so the divergence keeps falling to almost nothing
        assertThat(snapshots).extracting(Snapshot::maxDivergence).isSortedAccordingTo((a, b) -> Double.compare(b, a));
        assertThat(snapshots.get(4).maxDivergence()).isLessThan(1e-3);
        assertThat(snapshots.get(4).divergingLayers()).isEmpty();
    }

    @Test
    void works_on_a_computation_graph() {
        ComputationGraph graph = GraphModels.residualCnn(0.9, 1, true);
        BatchNormConvergenceListener listener = BatchNormConvergenceListener.every(1);
        graph.setListeners(listener);

        graph.fit(IMAGES);
        graph.fit(IMAGES);

        assertThat(listener.snapshots()).hasSize(2);
        assertThat(listener.snapshots().get(0).layers())
                .extracting(BatchNormConvergenceListener.LayerState::name)
                .containsExactly("bn1", "bn2a", "bn2b", "bn3");
    }

    @Test
    void frequency_must_be_positive_and_the_reporter_present() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormConvergenceListener.every(0))
                .withMessage("The frequency must be at least 1 iteration, but was 0.");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormConvergenceListener.every(1).reportingTo(null))
                .withMessage("The reporter is null: pass a consumer of snapshots, e.g. System.out::println.");
    }
}
