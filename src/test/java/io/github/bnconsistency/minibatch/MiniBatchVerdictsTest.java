package io.github.bnconsistency.minibatch;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bnconsistency.BatchNormConvergenceListener;
import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.Reference;
import io.github.bnconsistency.report.TextReport;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The new-user cases of issue 12, on a dense classifier trained as users train (shuffled mini-batches of 16 from an
 * iterator) and probed three ways: the whole validation set as one DataSet, a validation iterator at the training
 * batch size, and one at another batch size. A well-trained model (decay 0.9, 40 epochs, the learning rate decayed so
 * that the weights settle) reads converged every way, without "train longer" advice; an undertrained one (decay
 * 0.99, one epoch) diverges every way. On several seeds, so that a flaky verdict shows.
 */
class MiniBatchVerdictsTest {

    private static List<ProbeData> probes(DataSet validation) {
        return List.of(
                ProbeData.of(validation),
                ProbeData.of(new ListDataSetIterator<>(validation.asList(), 16)),
                ProbeData.of(new ListDataSetIterator<>(validation.asList(), 50)));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void a_well_trained_model_reads_converged_however_it_is_probed(long seed) {
        MultiLayerNetwork model = MiniBatchModels.trained(0.9, 16, 40, seed);
        DataSet validation = MiniBatchModels.blobs(240, 100 + seed);

        for (ProbeData probe : probes(validation)) {
            ConsistencyReport report = BatchNormInspector.inspect(model, probe);
            assertThat(report.divergingLayers()).as("%s", probe).isEmpty();
            assertThat(TextReport.render(report)).as("%s", probe).doesNotContain("train ~");
        }
        // with the training batch size given, the whole validation set is re-batched to it
        ConsistencyReport given = BatchNormInspector.inspect(
                model, ProbeData.of(validation), InspectionOptions.defaults().withTrainingBatchSize(16));
        assertThat(given.reference().targets()).isEqualTo(Reference.Targets.REBATCHED);
        assertThat(given.reference().kind()).isEqualTo(Reference.Kind.CONVERGED_STATISTICS);
        assertThat(given.divergingLayers()).isEmpty();
        assertThat(model).hasConvergedBatchNormStatistics(new ListDataSetIterator<>(validation.asList(), 16));
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2})
    void the_listener_reads_a_well_trained_model_as_converged(long seed) {
        MultiLayerNetwork model = MiniBatchModels.trained(0.9, 16, 40, seed);
        BatchNormConvergenceListener watch = BatchNormConvergenceListener.every(5);
        model.setListeners(watch);
        DataSet train = MiniBatchModels.blobs(480, seed);
        for (int epoch = 0; epoch < 2; epoch++) {
            model.fit(MiniBatchModels.shuffled(train, 16, 7000 + epoch));
        }

        List<BatchNormConvergenceListener.Snapshot> snapshots = watch.snapshots();
        assertThat(snapshots).hasSize(12);
        // each snapshot judges one batch of 16 against the moving statistics: at most one in twelve may stray
        assertThat(snapshots.stream()
                        .filter(s -> !s.divergingLayers().isEmpty())
                        .count())
                .as("%s", snapshots)
                .isLessThanOrEqualTo(1);
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3})
    void an_undertrained_model_diverges_however_it_is_probed(long seed) {
        MultiLayerNetwork model = MiniBatchModels.trained(0.99, 16, 1, seed);
        DataSet validation = MiniBatchModels.blobs(240, 100 + seed);

        for (ProbeData probe : probes(validation)) {
            ConsistencyReport report = BatchNormInspector.inspect(model, probe);
            assertThat(report.rootCause()).as("%s", probe).isPresent();
            assertThat(TextReport.render(report)).as("%s", probe).contains("train ~");
        }
        assertThatThrownBy(() -> assertThat(model)
                        .hasConvergedBatchNormStatistics(new ListDataSetIterator<>(validation.asList(), 16)))
                .hasMessageContaining("have not converged");
    }
}
