package io.github.bnconsistency.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.testing.OneShotIterators.OneShotDataSetIterator;
import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class ProbeDataTest {

    private static final DataSet BATCH = new DataSet(
            TinyNetworks.features(Layout.DENSE, TinyNetworks.randomValues(Layout.DENSE, 4, new Random(1))),
            Nd4j.zeros(4, 2));

    @Test
    void resettable_iterator_is_read_once_and_reset_afterwards() {
        List<DataSet> examples = BATCH.asList();
        ListDataSetIterator<DataSet> iterator = new ListDataSetIterator<>(examples, 2);
        List<Long> sizes = new ArrayList<>();

        ProbeData.of(iterator).forEachBatch(b -> sizes.add(b.examples()));

        assertThat(sizes).containsExactly(2L, 2L);
        assertThat(iterator.hasNext()).isTrue(); // reset, ready for the user's own use
    }

    @Test
    void exhausted_resettable_iterator_is_reset_first_as_fit_does() {
        ListDataSetIterator<DataSet> iterator = new ListDataSetIterator<>(BATCH.asList(), 4);
        iterator.next();
        List<Long> sizes = new ArrayList<>();

        ProbeData.of(iterator).forEachBatch(b -> sizes.add(b.examples()));

        assertThat(sizes).containsExactly(4L);
    }

    @Test
    void one_shot_iterator_is_consumed_once_without_reset() {
        OneShotDataSetIterator iterator = new OneShotDataSetIterator(List.of(BATCH, BATCH, BATCH));
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.DENSE, true, 0.9, 1e-5);

        assertThat(BatchNormInspector.inspect(net, iterator).probe().batches()).isEqualTo(3);
        assertThat(iterator.taken()).isEqualTo(3);
    }

    @Test
    void empty_data_is_a_clear_error() {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.DENSE, true, 0.9, 1e-5);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(net, new OneShotDataSetIterator(List.of())))
                .withMessageStartingWith(
                        "The probe data (DataSetIterator (OneShotDataSetIterator)) yielded no batch: nothing to compare.");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(net, Nd4j.create(0, 3)))
                .withMessageContaining("has no examples");
    }

    @Test
    void null_data_and_unsupported_types_are_named() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProbeData.of((DataSet) null))
                .withMessage("The probe DataSet is null: pass the data to check the model on.");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProbeData.from("images.csv"))
                .withMessage("Probe data must be one of INDArray, DataSet, DataSetIterator, MultiDataSet, "
                        + "MultiDataSetIterator or ProbeData, but was java.lang.String.");
    }

    @Test
    void masks_are_rejected_with_the_reason() {
        DataSet masked = new DataSet(BATCH.getFeatures(), null, Nd4j.ones(4, 1), null);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProbeData.of(masked).forEachBatch(b -> {}))
                .withMessageContaining("carries mask arrays");
    }

    @Test
    void single_batches_and_resettable_iterators_can_be_read_again_read_once_and_asynchronous_ones_not() {
        assertThat(ProbeData.of(BATCH).replayable()).isTrue();
        assertThat(ProbeData.of(BATCH.getFeatures()).replayable()).isTrue();
        assertThat(ProbeData.of(new ListDataSetIterator<>(BATCH.asList(), 2)).replayable())
                .isTrue();
        assertThat(ProbeData.of(new OneShotDataSetIterator(BATCH.asList())).replayable())
                .isFalse();
        org.deeplearning4j.datasets.iterator.AsyncDataSetIterator async =
                new org.deeplearning4j.datasets.iterator.AsyncDataSetIterator(
                        new ListDataSetIterator<>(BATCH.asList(), 2), 2);
        try {
            assertThat(ProbeData.of(async).replayable()).isFalse();
        } finally {
            async.shutdown();
        }
    }

    @Test
    void a_batch_without_features_is_named_with_the_fix() {
        DataSet noFeatures = new DataSet(null, BATCH.getLabels());
        assertThatIllegalArgumentException()
                .isThrownBy(() -> ProbeData.of(noFeatures).forEachBatch(b -> {}))
                .withMessage("Probe batch 0 has no features for input 0: set the features of every input the model "
                        + "takes.");
    }

    @Test
    void one_list_of_accepted_types_serves_from_the_message_and_the_extension() {
        assertThat(ProbeData.acceptedClasses())
                .containsExactly(
                        ProbeData.class,
                        org.nd4j.linalg.api.ndarray.INDArray.class,
                        org.nd4j.linalg.dataset.api.DataSet.class,
                        org.nd4j.linalg.dataset.api.iterator.DataSetIterator.class,
                        org.nd4j.linalg.dataset.api.MultiDataSet.class,
                        org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator.class);
        assertThat(ProbeData.acceptedTypes())
                .isEqualTo("INDArray, DataSet, DataSetIterator, MultiDataSet, MultiDataSetIterator or ProbeData");
    }
}
