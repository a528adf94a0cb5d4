package io.github.bnconsistency.api;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * From the model to its layers and back: one inspection serves every layer, and a name the model has no
 * BatchNormalization layer by fails at the navigation.
 */
class BatchNormLayerNavigationTest {

    private static final String MISSING_BN9 =
            "\nExpecting the model to have a BatchNormalization layer named \"bn9\",\n"
                    + "but its BatchNormalization layers are bn1, bn2, bn3.";

    /**
     * Two batches, resettable, counting the batches it hands out: a second inspection would read them again (and
     * pass), so only the count tells.
     */
    private static final class CountingIterator extends ListDataSetIterator<DataSet> {
        private int batchesRead;

        CountingIterator() {
            // with labels: the list iterator merges each batch, which needs them
            super(List.of(labelled(), labelled()), 1);
        }

        private static DataSet labelled() {
            return new DataSet(ApiFixtures.FEATURES, Nd4j.zeros(DataType.DOUBLE, ApiFixtures.FEATURES.size(0), 3));
        }

        @Override
        public DataSet next() {
            batchesRead++;
            return super.next();
        }
    }

    @Test
    void should_check_every_layer_and_the_model_on_one_inspection() {
        CountingIterator data = new CountingIterator();

        var model = assertThat(ApiFixtures.threeBatchNormLayers())
                .probedWith(data)
                .batchNormLayer("bn1")
                .hasMeanShiftBelow(1e6)
                .returnToModel()
                .batchNormLayer("bn2")
                .hasMeanShiftBelow(1e6)
                .returnToModel()
                .batchNormLayer("bn3")
                .hasVarianceRatioWithin(0, 1e6)
                .returnToModel()
                .hasConvergedBatchNormStatistics(1e6);
        // the lint reads the same inspection (the fixture is never trained, which the lint names)
        org.assertj.core.api.Assertions.assertThatThrownBy(model::passesBatchNormLint)
                .hasMessageContaining("[never-trained] bn1: never trained (iteration 0)");

        // one inspection reads the two batches twice: the statistics, then the reference (a copy normalizing with
        // their average statistics); a second inspection would read them four times more
        assertThat(data.batchesRead).as("batches read: one inspection").isEqualTo(4);
    }

    @Test
    void should_return_to_the_model_assert_it_came_from() {
        MultiLayerNetworkAssert model =
                assertThat(ApiFixtures.threeBatchNormLayers()).probedWith(ApiFixtures.FEATURES);

        assertThat(model.batchNormLayer("bn2").returnToModel()).isSameAs(model);
    }

    @Test
    void should_fail_at_the_navigation_to_a_layer_the_model_does_not_have() {
        assertThatThrownBy(() -> assertThat(ApiFixtures.threeBatchNormLayers())
                        .probedWith(ApiFixtures.FEATURES)
                        .batchNormLayer("bn9"))
                .isInstanceOf(AssertionError.class)
                .hasMessage(MISSING_BN9);
    }

    @Test
    void should_fail_at_the_navigation_with_the_description_first() {
        assertThatThrownBy(() -> assertThat(ApiFixtures.threeBatchNormLayers())
                        .as("classifier v2")
                        .probedWith(ApiFixtures.FEATURES)
                        .batchNormLayer("bn9"))
                .hasMessage("[classifier v2] " + MISSING_BN9);
    }

    @Test
    void should_fail_at_the_navigation_from_a_report_too() {
        ConsistencyReport report = BatchNormInspector.inspect(ApiFixtures.threeBatchNormLayers(), ApiFixtures.FEATURES);

        assertThatThrownBy(() -> assertThat(report).batchNormLayer("bn9")).hasMessage(MISSING_BN9);
    }

    @Test
    void should_collect_a_missing_layer_once_in_soft_mode_and_go_on() {
        BatchNormSoftAssertions softly = new BatchNormSoftAssertions();

        softly.assertThat(ApiFixtures.threeBatchNormLayers())
                .probedWith(ApiFixtures.FEATURES)
                .batchNormLayer("bn9")
                .hasMeanShiftBelow(0.1)
                .hasConvergedStatistics()
                .returnToModel()
                .batchNormLayer("bn1")
                .hasMeanShiftBelow(0.1)
                .returnToModel()
                .batchNormLayer("bn3")
                .hasMeanShiftBelow(1e6);

        assertThat(softly.assertionErrorsCollected()).hasSize(2);
        // soft assertions add the line of the assertion to each message
        assertThat(softly.assertionErrorsCollected().get(0)).hasMessageStartingWith(MISSING_BN9 + "\nat ");
        assertThat(softly.assertionErrorsCollected().get(1))
                .hasMessageStartingWith("\nExpecting every channel of "
                        + "BatchNormalization layer \"bn1\" to have a mean shift below 0.1 batch standard deviations,");
        assertThat(catchThrowable(softly::assertAll)).hasMessageContaining("Multiple Failures (2 failures)");
    }

    @Test
    void should_collect_a_missing_layer_of_a_report_in_soft_mode() {
        ConsistencyReport report = BatchNormInspector.inspect(ApiFixtures.threeBatchNormLayers(), ApiFixtures.FEATURES);
        BatchNormSoftAssertions softly = new BatchNormSoftAssertions();

        softly.assertThat(report).batchNormLayer("bn9").hasMeanShiftBelow(0.1);

        // hasSize(1) and get(0), not singleElement(): these tests also run against AssertJ 3.16.0 (assertj-compat),
        // which has no singleElement()
        List<AssertionError> errors = softly.assertionErrorsCollected();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).hasMessageStartingWith(MISSING_BN9 + "\nat ");
    }

    @Test
    void should_say_there_is_no_model_to_return_to_from_a_report() {
        ConsistencyReport report = BatchNormInspector.inspect(ApiFixtures.threeBatchNormLayers(), ApiFixtures.FEATURES);

        assertThatIllegalStateException()
                .isThrownBy(() -> assertThat(report).batchNormLayer("bn1").returnToModel())
                .withMessageStartingWith(
                        "This layer assert was not reached by batchNormLayer(name) on assertThat(model)");
        assertThatIllegalStateException()
                .isThrownBy(() -> assertThat(report.layer("bn1").orElseThrow()).returnToModel());
    }
}
