package io.github.bnconsistency.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Where the settings, the model and the data come from: method over class over enclosing class over
 * configuration parameter over built-in default, each attribute on its own; @Nested classes and the PER_CLASS
 * lifecycle. The story model's outputs differ by about 0.5 (more than 1e-3, less than 10).
 */
class BatchNormConsistencyPrecedenceTest {

    private static final double STRICT = 1e-3;
    private static final double LOOSE = 10;
    private static final double HUGE_LAYER_TOLERANCE = 1000;

    @Test
    void should_let_a_method_annotation_override_the_class_one_attribute_by_attribute() {
        EngineExecutionResults results = Fixtures.run(MethodOverrides.class);

        assertThat(Fixtures.failure(results, "inheritsTheClassTolerance"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Root cause: bn1");
        assertThat(Fixtures.failure(results, "loosensTheTolerance")).isNull();
        assertThat(Fixtures.reportEntries(results, "loosensTheTolerance"))
                .singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, "CONSISTENT"));
        assertThat(Fixtures.failure(results, "turnsItOff")).isNull();
        assertThat(Fixtures.reportEntries(results, "turnsItOff")).isEmpty();
        // Only the mode is overridden: the class's strict tolerance still gives the verdict.
        assertThat(Fixtures.failure(results, "onlyReports")).isNull();
        assertThat(Fixtures.reportEntries(results, "onlyReports"))
                .first()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, "DIVERGES"));
        // The layer tolerance changes which layers count as diverging, not the verdict.
        assertThat(Fixtures.failure(results, "toleratesEveryLayer")).isInstanceOf(AssertionError.class);
        assertThat(Fixtures.reportEntries(results, "toleratesEveryLayer"))
                .singleElement()
                .satisfies(entry -> assertThat(entry)
                        .containsEntry(ReportEntries.DIVERGING_LAYERS, "0")
                        .containsEntry(ReportEntries.ROOT_LAYER, "none")
                        .containsEntry(ReportEntries.VERDICT, "DIVERGES"));
    }

    @Test
    void should_use_the_built_in_default_tolerance_without_annotation_attributes_or_configuration() {
        EngineExecutionResults results = Fixtures.run(BareAnnotation.class);

        assertThat(Fixtures.failure(results, "test"))
                .hasMessageStartingWith("\nExpecting inference outputs to match training outputs within "
                        + BatchNormConsistency.DEFAULT_TOLERANCE);
        assertThat(Fixtures.reportEntries(results))
                .singleElement()
                .satisfies(entry -> assertThat(Integer.parseInt(entry.get(ReportEntries.DIVERGING_LAYERS)))
                        .isPositive());
    }

    @Test
    void should_use_the_configuration_parameters_when_no_annotation_sets_the_attribute() {
        EngineExecutionResults loose = Fixtures.run(
                BareAnnotation.class,
                BatchNormConsistency.TOLERANCE_KEY,
                Double.toString(LOOSE),
                BatchNormConsistency.LAYER_TOLERANCE_KEY,
                Double.toString(HUGE_LAYER_TOLERANCE));

        loose.testEvents().assertStatistics(stats -> stats.succeeded(1));
        assertThat(Fixtures.reportEntries(loose))
                .singleElement()
                .satisfies(entry -> assertThat(entry)
                        .containsEntry(ReportEntries.VERDICT, "CONSISTENT")
                        .containsEntry(ReportEntries.DIVERGING_LAYERS, "0"));

        EngineExecutionResults reportOnly =
                Fixtures.run(BareAnnotation.class, BatchNormConsistency.MODE_KEY, "report_only");

        reportOnly.testEvents().assertStatistics(stats -> stats.succeeded(1));
        assertThat(Fixtures.reportEntries(reportOnly))
                .hasSize(2)
                .first()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, "DIVERGES"));
    }

    @Test
    void should_let_the_class_annotation_override_the_configuration_parameters() {
        EngineExecutionResults results = Fixtures.run(
                StrictClass.class,
                BatchNormConsistency.TOLERANCE_KEY,
                Double.toString(LOOSE),
                BatchNormConsistency.MODE_KEY,
                "report_only");

        assertThat(Fixtures.failure(results, "test"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("within " + STRICT);
    }

    @Test
    void should_find_model_and_data_on_enclosing_instances_and_settings_on_enclosing_classes() {
        EngineExecutionResults results = Fixtures.run(Enclosing.class);

        results.testEvents()
                .assertStatistics(stats -> stats.started(5).succeeded(3).failed(2));
        assertThat(Fixtures.failure(results, "outer")).isNull();
        // The model and the data are the enclosing instance's; the tolerance is the nested class's.
        assertThat(Fixtures.failure(results, "usesTheEnclosingModel"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("within " + STRICT)
                .hasMessageContaining("Root cause: bn1");
        assertThat(Fixtures.failure(results, "inheritsTheNearestEnclosingTolerance"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("within " + STRICT);
        assertThat(Fixtures.failure(results, "inheritsTheOuterTolerance")).isNull();
        // The innermost instance's own model field wins over the enclosing one's.
        assertThat(Fixtures.failure(results, "checksItsOwnModel")).isNull();
        assertThat(Fixtures.reportEntries(results, "checksItsOwnModel"))
                .singleElement()
                .satisfies(entry -> assertThat(Double.parseDouble(entry.get(ReportEntries.MAX_OUTPUT_DIFFERENCE)))
                        .isLessThan(1e-4));
    }

    @Test
    void should_find_the_right_instances_with_the_per_class_lifecycle() {
        EngineExecutionResults results = Fixtures.run(PerClass.class);

        results.testEvents()
                .assertStatistics(stats -> stats.started(3).succeeded(1).failed(2));
        assertThat(Fixtures.failure(results, "outerModelDiverges")).hasMessageContaining("Root cause: bn1");
        assertThat(Fixtures.failure(results, "outerModelStillDiverges")).hasMessageContaining("Root cause: bn1");
        assertThat(Fixtures.failure(results, "innerModelConverged")).isNull();
        List<Map<String, String>> inner = Fixtures.reportEntries(results, "innerModelConverged");
        assertThat(inner)
                .singleElement()
                .satisfies(entry -> assertThat(entry).containsEntry(ReportEntries.VERDICT, "CONSISTENT"));
    }

    // ---- Fixtures: run only through EngineTestKit (surefire excludes the "fixture" tag). ----

    @Tag("fixture")
    @BatchNormConsistency(tolerance = STRICT)
    static class MethodOverrides {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void inheritsTheClassTolerance() {}

        @Test
        @BatchNormConsistency(tolerance = LOOSE)
        void loosensTheTolerance() {}

        @Test
        @BatchNormConsistency(mode = Mode.OFF)
        void turnsItOff() {}

        @Test
        @BatchNormConsistency(mode = Mode.REPORT_ONLY)
        void onlyReports() {}

        @Test
        @BatchNormConsistency(layerTolerance = HUGE_LAYER_TOLERANCE)
        void toleratesEveryLayer() {}
    }

    @Tag("fixture")
    @BatchNormConsistency
    static class BareAnnotation {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void test() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = STRICT, mode = Mode.FAIL)
    static class StrictClass {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void test() {}
    }

    @Tag("fixture")
    @BatchNormConsistency(tolerance = LOOSE)
    static class Enclosing {
        MultiLayerNetwork model = Fixtures.Story.DIVERGING;

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void outer() {}

        @Nested
        @BatchNormConsistency(tolerance = STRICT)
        class Strict {
            @Test
            void usesTheEnclosingModel() {}

            @Nested
            class Deeper {
                @Test
                void inheritsTheNearestEnclosingTolerance() {}
            }
        }

        @Nested
        class Loose {
            @Test
            void inheritsTheOuterTolerance() {}
        }

        @Nested
        @BatchNormConsistency(tolerance = 1e-4)
        class OwnModel {
            MultiLayerNetwork converged = Fixtures.Story.CONVERGED;

            @Test
            void checksItsOwnModel() {}
        }
    }

    @Tag("fixture")
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @BatchNormConsistency(tolerance = STRICT)
    static class PerClass {
        MultiLayerNetwork model;

        @BeforeAll
        void buildOnce() {
            model = Fixtures.Story.DIVERGING;
        }

        @ConsistencyData
        DataSet probe() {
            return Fixtures.Story.data();
        }

        @Test
        void outerModelDiverges() {}

        @Test
        void outerModelStillDiverges() {}

        @Nested
        @TestInstance(TestInstance.Lifecycle.PER_CLASS)
        @BatchNormConsistency(tolerance = 1e-4)
        class Inner {
            @ModelUnderTest
            MultiLayerNetwork innerModel;

            @BeforeAll
            void buildOnce() {
                innerModel = Fixtures.Story.CONVERGED;
            }

            @Test
            void innerModelConverged() {}
        }
    }
}
