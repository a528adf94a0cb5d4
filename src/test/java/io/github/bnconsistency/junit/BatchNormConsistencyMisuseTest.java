package io.github.bnconsistency.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Every misuse fails the test with an ExtensionConfigurationException naming the class, field or method and the
 * fix. Misuse found by looking at the class fails before the test body runs (the fixtures' bodies fail if run).
 */
class BatchNormConsistencyMisuseTest {

    /** Runs the fixture's single test {@code test} and returns its failure, checking that it is a misuse report. */
    private static Throwable misuse(Class<?> fixture, String... configuration) {
        EngineExecutionResults results = Fixtures.run(fixture, configuration);
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Throwable failure = Fixtures.failure(results, "test");
        assertThat(failure).isInstanceOf(ExtensionConfigurationException.class);
        assertThat(Fixtures.reportEntries(results)).isEmpty();
        return failure;
    }

    @Test
    void should_name_the_class_when_it_has_no_model_field() {
        assertThat(misuse(NoModel.class))
                .hasMessage("No model to check in BatchNormConsistencyMisuseTest.NoModel: "
                        + "@BatchNormConsistency needs a MultiLayerNetwork or ComputationGraph field (instance or static) in the "
                        + "test class or, for a @Nested class, an enclosing one; add it, annotated @ModelUnderTest if the class "
                        + "has several.");
    }

    @Test
    void should_name_both_fields_when_two_candidates_are_not_annotated() {
        assertThat(misuse(TwoCandidates.class))
                .hasMessage("BatchNormConsistencyMisuseTest.TwoCandidates has 2 model "
                        + "fields (BatchNormConsistencyMisuseTest.TwoCandidates.student, "
                        + "BatchNormConsistencyMisuseTest.TwoCandidates.teacher) and none is annotated @ModelUnderTest: annotate "
                        + "the one @BatchNormConsistency should check with @ModelUnderTest.");
    }

    @Test
    void should_name_both_fields_when_two_are_annotated() {
        assertThat(misuse(TwoAnnotated.class))
                .hasMessageContaining("2 fields annotated @ModelUnderTest")
                .hasMessageContaining("TwoAnnotated.student, BatchNormConsistencyMisuseTest.TwoAnnotated.teacher")
                .hasMessageContaining("annotate only the model");
    }

    @Test
    void should_name_an_annotated_field_that_cannot_hold_a_model() {
        assertThat(misuse(AnnotatedWrongType.class))
                .hasMessage("The @ModelUnderTest field "
                        + "BatchNormConsistencyMisuseTest.AnnotatedWrongType.model has type java.lang.String: annotate a "
                        + "MultiLayerNetwork or ComputationGraph field.");
    }

    @Test
    void should_name_the_field_when_the_model_is_null() {
        assertThat(misuse(NullModel.class))
                .hasMessage("The model field BatchNormConsistencyMisuseTest.NullModel.model "
                        + "is null when the test ends: assign the MultiLayerNetwork or ComputationGraph to check in its "
                        + "initializer, in @BeforeEach or in the test.");
    }

    @Test
    void should_name_the_field_when_the_model_is_not_initialized() {
        assertThat(misuse(UninitializedModel.class))
                .hasMessage("The MultiLayerNetwork in "
                        + "BatchNormConsistencyMisuseTest.UninitializedModel.model is not initialized: call init() on it (or "
                        + "load a trained model) before the test ends.");
    }

    @Test
    void should_name_the_field_when_the_graph_is_not_initialized() {
        assertThat(misuse(UninitializedGraph.class))
                .hasMessage("The ComputationGraph in "
                        + "BatchNormConsistencyMisuseTest.UninitializedGraph.graph is not initialized: call init() on it (or "
                        + "load a trained model) before the test ends.");
    }

    @Test
    void should_name_the_class_when_there_is_no_probe_data() {
        assertThat(misuse(NoData.class))
                .hasMessage("No probe data in BatchNormConsistencyMisuseTest.NoData: annotate "
                        + "a field, or a method without parameters, with @ConsistencyData; it must hold or return one of "
                        + "INDArray, DataSet, DataSetIterator, MultiDataSet, MultiDataSetIterator or ProbeData.");
    }

    @Test
    void should_name_both_when_two_members_are_probe_data() {
        assertThat(misuse(TwoData.class))
                .hasMessageContaining(
                        "2 @ConsistencyData fields and methods "
                                + "(BatchNormConsistencyMisuseTest.TwoData.features, BatchNormConsistencyMisuseTest.TwoData.probe())");
    }

    @Test
    void should_name_a_data_field_of_an_unsupported_type() {
        assertThat(misuse(DataOfUnsupportedType.class))
                .hasMessage("The @ConsistencyData field "
                        + "BatchNormConsistencyMisuseTest.DataOfUnsupportedType.probe has type java.util.List, which is not "
                        + "probe data: make it one of INDArray, DataSet, DataSetIterator, MultiDataSet, MultiDataSetIterator or "
                        + "ProbeData.");
    }

    @Test
    void should_name_a_data_method_returning_an_unsupported_value() {
        assertThat(misuse(DataOfUnsupportedValue.class))
                .hasMessage("The @ConsistencyData method "
                        + "BatchNormConsistencyMisuseTest.DataOfUnsupportedValue.probe() returned a java.lang.String, which is "
                        + "not probe data: provide one of INDArray, DataSet, DataSetIterator, MultiDataSet, MultiDataSetIterator "
                        + "or ProbeData.");
    }

    @Test
    void should_name_a_data_method_returning_null() {
        assertThat(misuse(DataMethodReturningNull.class))
                .hasMessageStartingWith(
                        "The @ConsistencyData method "
                                + "BatchNormConsistencyMisuseTest.DataMethodReturningNull.probe() returned null: provide the data");
    }

    @Test
    void should_name_a_data_method_with_parameters() {
        assertThat(misuse(DataMethodWithParameters.class))
                .hasMessage("The @ConsistencyData method "
                        + "BatchNormConsistencyMisuseTest.DataMethodWithParameters.probe(int) has parameters: declare it "
                        + "without parameters (it is called anew for every check).");
    }

    @Test
    void should_name_the_model_and_the_data_when_the_check_rejects_the_data() {
        assertThat(misuse(MaskedData.class))
                .hasMessageStartingWith("Could not check the model "
                        + "BatchNormConsistencyMisuseTest.MaskedData.model on the probe data "
                        + "BatchNormConsistencyMisuseTest.MaskedData.probe: ")
                .hasMessageContaining("mask arrays");
    }

    @Test
    void should_reject_a_tolerance_that_is_not_positive() {
        assertThat(misuse(NegativeTolerance.class))
                .hasMessage("@BatchNormConsistency(tolerance = -1.0) on method "
                        + "BatchNormConsistencyMisuseTest.NegativeTolerance.test() is not a positive finite number: set the "
                        + "largest |train - inference| output difference the test accepts, e.g. 1e-3, or leave it out to "
                        + "inherit it.");
    }

    @Test
    void should_reject_a_layer_tolerance_that_is_infinite() {
        assertThat(misuse(InfiniteLayerTolerance.class))
                .hasMessageStartingWith("@BatchNormConsistency(layerTolerance "
                        + "= Infinity) on class BatchNormConsistencyMisuseTest.InfiniteLayerTolerance is not a positive finite "
                        + "number");
    }

    @Test
    void should_reject_a_configured_tolerance_that_is_not_a_number() {
        assertThat(misuse(Valid.class, BatchNormConsistency.TOLERANCE_KEY, "small"))
                .hasMessage("Configuration "
                        + "parameter bnconsistency.tolerance = 'small' is not a positive finite number: set it to the largest "
                        + "|train - inference| output difference the test accepts, e.g. 1e-3 (in junit-platform.properties or "
                        + "with -Dbnconsistency.tolerance=...), or remove it to use 0.001.");
    }

    @Test
    void should_reject_a_configured_layer_tolerance_of_zero() {
        assertThat(misuse(Valid.class, BatchNormConsistency.LAYER_TOLERANCE_KEY, "0"))
                .hasMessageStartingWith("Configuration parameter bnconsistency.layerTolerance = '0' is not a positive "
                        + "finite number");
    }

    @Test
    void should_reject_a_training_batch_size_below_two() {
        assertThat(misuse(BatchSizeOne.class))
                .hasMessage("@BatchNormConsistency(trainingBatchSize = 1) on class "
                        + "BatchNormConsistencyMisuseTest.BatchSizeOne is not a batch size of at least 2: set the mini-batch "
                        + "size your training iterator yields, e.g. 16, or leave it out to inherit it (when nothing sets it, "
                        + "the probe's batch size is taken for it).");
    }

    @Test
    void should_reject_a_configured_training_batch_size_that_is_not_an_integer_of_at_least_two() {
        for (String raw : List.of("sixteen", "1", "16.5")) {
            assertThat(misuse(Valid.class, BatchNormConsistency.TRAINING_BATCH_SIZE_KEY, raw))
                    .hasMessage("Configuration parameter bnconsistency.trainingBatchSize = '" + raw
                            + "' is not a batch size of "
                            + "at least 2: set it to the mini-batch size your training iterator yields, e.g. 16 (in "
                            + "junit-platform.properties or with -Dbnconsistency.trainingBatchSize=...), or remove it "
                            + "to take the probe's batch size for it.");
        }
    }

    @Test
    void should_reject_an_unknown_judgement() {
        assertThat(misuse(Valid.class, BatchNormConsistency.JUDGE_BY_KEY, "vibes"))
                .hasMessage("Configuration "
                        + "parameter bnconsistency.judgeBy = 'vibes' is not a judgement of @BatchNormConsistency: set it to "
                        + "outputs, predictions or statistics (in junit-platform.properties or with "
                        + "-Dbnconsistency.judgeBy=...), or remove it to judge by outputs.");
    }

    @Test
    void should_reject_a_min_agreement_outside_zero_to_one() {
        assertThat(misuse(AgreementAboveOne.class))
                .hasMessage(
                        "@BatchNormConsistency(minAgreement = 1.5) on class "
                                + "BatchNormConsistencyMisuseTest.AgreementAboveOne is not a fraction in (0, 1]: set the smallest "
                                + "fraction of predictions that must agree with training's, e.g. 0.99, or leave it out to inherit it.");
        assertThat(misuse(Valid.class, BatchNormConsistency.MIN_AGREEMENT_KEY, "0"))
                .hasMessageStartingWith(
                        "Configuration parameter bnconsistency.minAgreement = '0' is not a fraction in (0, 1]: set it to");
    }

    @Test
    void should_reject_an_unknown_mode() {
        assertThat(misuse(Valid.class, BatchNormConsistency.MODE_KEY, "loud"))
                .hasMessage("Configuration parameter "
                        + "bnconsistency.mode = 'loud' is not a mode of @BatchNormConsistency: set it to fail, report_only or "
                        + "off (in junit-platform.properties or with -Dbnconsistency.mode=...), or remove it.");
    }

    @Test
    void should_accept_the_modes_in_any_case_and_with_a_hyphen() {
        for (String mode : List.of("FAIL", "report-only", " Report_Only ", "off")) {
            EngineExecutionResults results = Fixtures.run(Valid.class, BatchNormConsistency.MODE_KEY, mode);
            results.testEvents().assertStatistics(stats -> stats.succeeded(1));
        }
    }

    // ---- Fixtures: run only through EngineTestKit (surefire excludes the "fixture" tag). ----

    @Tag("fixture")
    @BatchNormConsistency
    static class NoModel {
        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class TwoCandidates {
        MultiLayerNetwork student = Fixtures.Tiny.converged();
        MultiLayerNetwork teacher = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class TwoAnnotated {
        @ModelUnderTest
        MultiLayerNetwork student = Fixtures.Tiny.converged();

        @ModelUnderTest
        MultiLayerNetwork teacher = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class AnnotatedWrongType {
        @ModelUnderTest
        String model = "model.zip";

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class NullModel {
        MultiLayerNetwork model;

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {}
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class UninitializedModel {
        MultiLayerNetwork model = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .list()
                .layer(new BatchNormalization.Builder().nIn(3).nOut(3).build())
                .layer(new OutputLayer.Builder().nIn(3).nOut(2).build())
                .build());

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {}
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class UninitializedGraph {
        static ComputationGraph graph = Fixtures.Tiny.uninitializedGraph();

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {}
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class NoData {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class TwoData {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray features = Fixtures.Tiny.features();

        @ConsistencyData
        DataSet probe() {
            return new DataSet(Fixtures.Tiny.features(), null);
        }

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class DataOfUnsupportedType {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        List<DataSet> probe = List.of(new DataSet(Fixtures.Tiny.features(), null));

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class DataOfUnsupportedValue {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        Object probe() {
            return "validation.csv";
        }

        @Test
        void test() {}
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class DataMethodReturningNull {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        DataSet probe() {
            return null;
        }

        @Test
        void test() {}
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class DataMethodWithParameters {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        DataSet probe(int batchSize) {
            return new DataSet(Fixtures.Tiny.features(), null);
        }

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class MaskedData {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        DataSet probe = new DataSet(
                Fixtures.Tiny.features(),
                null,
                Fixtures.Tiny.features().getColumn(0).reshape(16, 1),
                null);

        @Test
        void test() {}
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class NegativeTolerance {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        @BatchNormConsistency(tolerance = -1)
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency(layerTolerance = Double.POSITIVE_INFINITY)
    static class InfiniteLayerTolerance {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency(trainingBatchSize = 1)
    static class BatchSizeOne {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency(minAgreement = 1.5)
    static class AgreementAboveOne {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {
            fail("the body must not run");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class Valid {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        INDArray probe = Fixtures.Tiny.features();

        @Test
        void test() {}
    }
}
