package io.github.bnconsistency.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

import io.github.bnconsistency.api.BatchNormAssertions;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.JsonReport;
import io.github.bnconsistency.report.TextReport;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.datasets.iterator.IteratorDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * What the extension does after a test: fail a diverging model with the assertion's message, pass a converged
 * one, report only, stay off, leave a failed test alone; the report entries and the JSON report it publishes.
 * Each behaviour runs a fixture class through EngineTestKit.
 */
class BatchNormConsistencyExtensionTest {

    private static final double TOLERANCE = 1e-3;

    @Test
    void should_fail_a_diverging_model_with_the_assertions_message_naming_the_root_layer() {
        EngineExecutionResults results = Fixtures.run(DivergingFixture.class);

        results.testEvents()
                .assertStatistics(stats -> stats.started(1).failed(1).succeeded(0));
        Throwable failure = Fixtures.failure(results, "learns");
        ConsistencyReport report = Fixtures.inspect(
                Fixtures.Story.DIVERGING, Fixtures.Story.data(), BatchNormConsistency.DEFAULT_LAYER_TOLERANCE);
        AssertionError expected = catchThrowableOfType(
                AssertionError.class,
                () -> BatchNormAssertions.assertThat(report).inferenceMatchesTraining(TOLERANCE));
        AssertionError onTheModel = catchThrowableOfType(
                AssertionError.class,
                () -> BatchNormAssertions.assertThat(Fixtures.Story.DIVERGING)
                        .inferenceMatchesTraining(Fixtures.Story.data(), TOLERANCE));
        assertThat(failure)
                .isExactlyInstanceOf(expected.getClass())
                .hasMessage(expected.getMessage())
                .hasMessage(onTheModel.getMessage());
        assertThat(failure.getMessage())
                .startsWith("\nExpecting inference outputs to match training outputs within 0.001")
                .contains("Root cause: bn1 (BN layer 1 of 4");
    }

    @Test
    void should_pass_a_converged_model_and_publish_a_consistent_verdict() {
        EngineExecutionResults results = Fixtures.run(ConvergedFixture.class);

        results.testEvents()
                .assertStatistics(stats -> stats.started(1).succeeded(1).failed(0));
        assertThat(Fixtures.reportEntries(results)).singleElement().satisfies(entry -> {
            assertThat(entry)
                    .containsEntry(ReportEntries.VERDICT, "CONSISTENT")
                    .containsEntry(ReportEntries.ROOT_LAYER, "none")
                    .containsEntry(ReportEntries.DIVERGING_LAYERS, "0");
            assertThat(Double.parseDouble(entry.get(ReportEntries.MAX_OUTPUT_DIFFERENCE)))
                    .isBetween(0.0, 1e-4);
        });
    }

    @Test
    void should_pass_in_report_only_mode_and_publish_the_entries_and_the_text_report() {
        java.io.PrintStream out = System.out;
        java.io.ByteArrayOutputStream printed = new java.io.ByteArrayOutputStream();
        EngineExecutionResults results;
        try {
            System.setOut(new java.io.PrintStream(printed, true, java.nio.charset.StandardCharsets.UTF_8));
            results = Fixtures.run(ReportOnlyFixture.class);
        } finally {
            System.setOut(out);
        }

        results.testEvents()
                .assertStatistics(stats -> stats.started(1).succeeded(1).failed(0));
        ConsistencyReport report = Fixtures.inspect(
                Fixtures.Story.DIVERGING, Fixtures.Story.data(), BatchNormConsistency.DEFAULT_LAYER_TOLERANCE);
        List<Map<String, String>> entries = Fixtures.reportEntries(results);
        assertThat(entries).hasSize(2);
        assertThat(entries.get(0))
                .containsExactly(
                        Map.entry(ReportEntries.VERDICT, "DIVERGES"),
                        Map.entry(ReportEntries.ROOT_LAYER, "bn1"),
                        Map.entry(
                                ReportEntries.MAX_OUTPUT_DIFFERENCE,
                                Double.toString(report.output().maxAbsDifference())),
                        Map.entry(
                                ReportEntries.DIVERGING_LAYERS,
                                Integer.toString(report.divergingLayers().size())));
        assertThat(report.divergingLayers())
                .as("the story model has diverging layers")
                .isNotEmpty();
        assertThat(entries.get(1)).containsExactly(Map.entry(ReportEntries.REPORT_TEXT, TextReport.render(report)));
        assertThat(printed.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("[bnconsistency] learns(): DIVERGES: max |train - inference| "
                        + io.github.bnconsistency.report.Numbers.number(
                                report.output().maxAbsDifference())
                        + ", over the tolerance 0.001; root cause bn1 (D ");
    }

    @Test
    void should_do_nothing_when_off() {
        EngineExecutionResults results = Fixtures.run(OffFixture.class);

        results.testEvents()
                .assertStatistics(stats -> stats.started(2).succeeded(2).failed(0));
        assertThat(Fixtures.reportEntries(results)).isEmpty();
    }

    @Test
    void should_do_nothing_when_the_configuration_turns_it_off() {
        EngineExecutionResults results = Fixtures.run(DivergingFixture.class, BatchNormConsistency.MODE_KEY, "off");

        results.testEvents().assertStatistics(stats -> stats.started(1).succeeded(1));
        assertThat(Fixtures.reportEntries(results)).isEmpty();
    }

    @Test
    void should_keep_the_failure_of_a_failed_test_body_and_not_check() {
        EngineExecutionResults results = Fixtures.run(FailingBodyFixture.class);

        results.testEvents()
                .assertStatistics(stats -> stats.started(2).failed(1).aborted(1));
        assertThat(Fixtures.failure(results, "failsOnItsOwn")).hasMessage("the test's own failure");
        assertThat(Fixtures.reportEntries(results)).isEmpty();
    }

    @Test
    void should_call_a_data_method_anew_for_every_check() {
        EngineExecutionResults results = Fixtures.run(FreshIteratorFixture.class);

        // The iterator cannot be reset: a shared one would be empty for the second and third test.
        results.testEvents().assertStatistics(stats -> stats.started(3).succeeded(3));
        assertThat(Fixtures.reportEntries(results))
                .hasSize(3)
                .allSatisfy(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, "CONSISTENT"));
    }

    @Test
    void should_check_a_computation_graph_held_in_a_static_field() {
        EngineExecutionResults results = Fixtures.run(GraphFixture.class);

        assertThat(Fixtures.failure(results, "learns"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: bn (BN layer 1 of 1, vertex 'bn')")
                .hasMessageContaining("ComputationGraph");
    }

    @Test
    void should_apply_to_subclasses_of_an_annotated_class_and_find_inherited_fields() {
        EngineExecutionResults results = Fixtures.run(SubclassFixture.class);

        assertThat(Fixtures.failure(results, "learns"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: bn1");
        assertThat(Fixtures.reportEntries(results))
                .singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, "DIVERGES"));
    }

    @Test
    void should_be_registered_through_the_annotation_only() {
        assertThat(Modifier.isPublic(BatchNormConsistencyExtension.class.getModifiers()))
                .isFalse();
        assertThat(BatchNormConsistency.class.getAnnotation(ExtendWith.class).value())
                .containsExactly(BatchNormConsistencyExtension.class);
    }

    @Test
    void should_pin_the_report_entry_keys() {
        assertThat(ReportEntries.VERDICT).isEqualTo("bnconsistency.verdict");
        assertThat(ReportEntries.ROOT_LAYER).isEqualTo("bnconsistency.rootLayer");
        assertThat(ReportEntries.MAX_OUTPUT_DIFFERENCE).isEqualTo("bnconsistency.maxOutputDifference");
        assertThat(ReportEntries.DIVERGING_LAYERS).isEqualTo("bnconsistency.divergingLayers");
        assertThat(ReportEntries.REPORT_FILE).isEqualTo("bnconsistency.reportFile");
        assertThat(ReportEntries.HTML_REPORT_FILE).isEqualTo("bnconsistency.htmlReportFile");
        assertThat(ReportEntries.REPORT_TEXT).isEqualTo("bnconsistency.report");
        assertThat(BatchNormConsistency.TOLERANCE_KEY).isEqualTo("bnconsistency.tolerance");
        assertThat(BatchNormConsistency.LAYER_TOLERANCE_KEY).isEqualTo("bnconsistency.layerTolerance");
        assertThat(BatchNormConsistency.MODE_KEY).isEqualTo("bnconsistency.mode");
        assertThat(BatchNormConsistency.REPORT_DIRECTORY_KEY).isEqualTo("bnconsistency.reportDirectory");
    }

    @Test
    void should_publish_the_entries_even_when_failing_and_write_one_json_report_per_test(@TempDir Path reports)
            throws Exception {
        EngineExecutionResults results =
                Fixtures.run(DivergingFixture.class, BatchNormConsistency.REPORT_DIRECTORY_KEY, reports.toString());

        results.testEvents().assertStatistics(stats -> stats.failed(1));
        Path file = reports.resolve(
                "io.github.bnconsistency.junit.BatchNormConsistencyExtensionTest$DivergingFixture" + ".learns().json");
        assertThat(Fixtures.reportEntries(results))
                .singleElement()
                .satisfies(entry -> assertThat(entry.keySet())
                        .containsExactly(
                                ReportEntries.VERDICT,
                                ReportEntries.ROOT_LAYER,
                                ReportEntries.MAX_OUTPUT_DIFFERENCE,
                                ReportEntries.DIVERGING_LAYERS,
                                ReportEntries.REPORT_FILE,
                                ReportEntries.HTML_REPORT_FILE))
                .satisfies(entry -> assertThat(entry)
                        .containsEntry(ReportEntries.VERDICT, "DIVERGES")
                        .containsEntry(ReportEntries.ROOT_LAYER, "bn1")
                        .containsEntry(
                                ReportEntries.REPORT_FILE, file.toAbsolutePath().toString()));
        assertThat(reports).isDirectoryContaining(path -> path.equals(file));

        String json = Files.readString(file);
        JsonNode root = new ObjectMapper().readTree(json);
        assertThat(names(root)).containsExactly("format", "formatVersion", "schemaVersion", "test", "check", "report");
        assertThat(root.get("schemaVersion").asText()).isEqualTo(JsonReport.SCHEMA_VERSION);
        assertThat(root.get("format").asText()).isEqualTo("bnconsistency-test-report");
        assertThat(root.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(names(root.get("test"))).containsExactly("uniqueId", "displayName", "className", "methodName");
        assertThat(root.get("test").get("className").asText()).isEqualTo(DivergingFixture.class.getName());
        assertThat(root.get("test").get("methodName").asText()).isEqualTo("learns");
        assertThat(names(root.get("check")))
                .containsExactly(
                        "mode",
                        "tolerance",
                        "layerTolerance",
                        "verdict",
                        "model",
                        "data",
                        "judgeBy",
                        "minAgreement",
                        "trainingBatchSize");
        assertThat(root.get("check").get("judgeBy").asText()).isEqualTo("OUTPUTS");
        assertThat(root.get("check").get("trainingBatchSize").isNull()).isTrue();
        assertThat(root.get("check").get("mode").asText()).isEqualTo("FAIL");
        assertThat(root.get("check").get("tolerance").asDouble()).isEqualTo(TOLERANCE);
        assertThat(root.get("check").get("verdict").asText()).isEqualTo("DIVERGES");
        assertThat(root.get("check").get("model").asText())
                .isEqualTo("BatchNormConsistencyExtensionTest.DivergingFixture.model");
        assertThat(root.get("check").get("data").asText())
                .isEqualTo("BatchNormConsistencyExtensionTest.DivergingFixture.probe()");
        assertThat(root.get("report").get("format").asText()).isEqualTo(JsonReport.FORMAT);

        ConsistencyReport expected = Fixtures.inspect(
                Fixtures.Story.DIVERGING, Fixtures.Story.data(), BatchNormConsistency.DEFAULT_LAYER_TOLERANCE);
        ConsistencyReport written = JsonReport.parse(json);
        assertThat(written.iterationCount()).isEqualTo(10);
        assertThat(written.createdAt()).isPresent();
        // The time of the check is the one thing two checks of the same model on the same data differ in.
        assertThat(written.withCreatedAt(Instant.EPOCH)).isEqualTo(expected.withCreatedAt(Instant.EPOCH));
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    // ---- Fixtures: run only through EngineTestKit (surefire excludes the "fixture" tag). ----

    @Tag("fixture")
    @BatchNormConsistency(tolerance = TOLERANCE)
    static class DivergingFixture {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void learns() {
            assertThat(model.output(Fixtures.Story.data().getFeatures(), true)
                            .argMax(1)
                            .toIntVector())
                    .as("training-mode predictions")
                    .containsExactly(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2);
        }
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = TOLERANCE)
    static class GraphFixture {
        private static final ComputationGraph GRAPH = Fixtures.Tiny.divergingGraph();

        @ConsistencyData
        private static INDArray probe() {
            return Fixtures.Tiny.features();
        }

        @Test
        void learns() {}
    }

    @BatchNormConsistency(tolerance = TOLERANCE)
    abstract static class AnnotatedBase {
        protected MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        protected DataSet probe() {
            return Fixtures.Story.data();
        }
    }

    @Tag("fixture")
    static class SubclassFixture extends AnnotatedBase {
        @Test
        void learns() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-4)
    static class ConvergedFixture {
        @ModelUnderTest
        MultiLayerNetwork model = Fixtures.Story.CONVERGED;

        MultiLayerNetwork other = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe = Fixtures.Story.data();

        @Test
        void learns() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = TOLERANCE, mode = Mode.REPORT_ONLY)
    static class ReportOnlyFixture {
        static MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        static DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void learns() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(mode = Mode.OFF)
    static class OffFixture {
        // Off does nothing at all: not even looking for a model or data, which this class lacks.
        @Test
        void learns() {}

        @Nested
        class Inner {
            @Test
            void learnsToo() {}
        }
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = TOLERANCE)
    static class FailingBodyFixture {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void failsOnItsOwn() {
            fail("the test's own failure");
        }

        @Test
        void isAborted() {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "not on this machine");
        }
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = 1e-6)
    static class FreshIteratorFixture {
        MultiLayerNetwork model = Fixtures.Tiny.converged();

        @ConsistencyData
        DataSetIterator probe() {
            INDArray features = Fixtures.Tiny.features();
            Iterator<org.nd4j.linalg.dataset.DataSet> batches =
                    List.of(new DataSet(features, null)).iterator();
            return new IteratorDataSetIterator(batches, (int) features.size(0));
        }

        @Test
        void first() {}

        @Test
        void second() {}

        @Test
        void third() {}
    }
}
