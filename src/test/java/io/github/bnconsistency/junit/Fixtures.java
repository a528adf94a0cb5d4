package io.github.bnconsistency.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.testing.HandStatistics;
import io.github.bnconsistency.testing.ReportSchema;
import io.github.bnconsistency.testing.StoryModels;
import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Real models and data shared by the extension's fixture classes, and a way to run a fixture class through
 * EngineTestKit. The models are built once per JVM (each holder class on first use; class initialization is
 * thread-safe) and never trained by a fixture, so every fixture sees the same numbers.
 */
final class Fixtures {

    private Fixtures() {}

    /** The story: 12 images, a small CNN trained 10 iterations at decay 0.99, root cause bn1. */
    static final class Story {
        static final DataSet DATA = StoryModels.storyData(101);
        static final MultiLayerNetwork DIVERGING = diverging();
        static final MultiLayerNetwork CONVERGED = converged();

        private Story() {}

        private static MultiLayerNetwork diverging() {
            MultiLayerNetwork net = StoryModels.storyCnn(0.99, 1);
            StoryModels.train(net, DATA, 10);
            return net;
        }

        private static MultiLayerNetwork converged() {
            MultiLayerNetwork net = DIVERGING.clone();
            HandStatistics.setMovingStatisticsToBatchStatistics(net, net, DATA.getFeatures());
            return net;
        }

        /** A copy, so that concurrent checks never share an array. */
        static DataSet data() {
            return DATA.copy();
        }
    }

    /** One dense BatchNormalization layer named "bn" in DOUBLE: fast. */
    static final class Tiny {
        static final INDArray FEATURES =
                TinyNetworks.features(Layout.DENSE, TinyNetworks.randomValues(Layout.DENSE, 16, new Random(5)));

        private Tiny() {}

        /** Moving statistics at their initial 0 and 1, far from the data's: diverges, root cause "bn". */
        static MultiLayerNetwork diverging() {
            return TinyNetworks.batchNormOnly(Layout.DENSE, false, 0.9, 1e-5);
        }

        /** Moving statistics set to the data's batch statistics: outputs agree to ~1e-12. */
        static MultiLayerNetwork converged() {
            MultiLayerNetwork net = diverging();
            HandStatistics.setMovingStatisticsToBatchStatistics(net, net, FEATURES);
            return net;
        }

        static INDArray features() {
            return FEATURES.dup();
        }

        /** The same layer as a ComputationGraph vertex "bn", moving statistics at 0 and 1: diverges. */
        static ComputationGraph divergingGraph() {
            ComputationGraph graph = uninitializedGraph();
            graph.init();
            return graph;
        }

        /** As {@link #divergingGraph()} before {@code init()}. */
        static ComputationGraph uninitializedGraph() {
            return new ComputationGraph(new NeuralNetConfiguration.Builder()
                    .dataType(DataType.DOUBLE)
                    .graphBuilder()
                    .addInputs("in")
                    .addLayer(
                            "bn",
                            new BatchNormalization.Builder().useLogStd(false).build(),
                            "in")
                    .setOutputs("bn")
                    .setInputTypes(InputType.feedForward(TinyNetworks.CHANNELS))
                    .build());
        }
    }

    /** The report the extension makes for a model on data at a layer tolerance. */
    static ConsistencyReport inspect(MultiLayerNetwork model, Object data, double layerTolerance) {
        return BatchNormInspector.inspect(model, ProbeData.from(data), new InspectionOptions(layerTolerance));
    }

    /**
     * Runs the fixture class on the Jupiter engine with only the given configuration parameters (key, value
     * pairs; none from system properties or junit-platform.properties) and no JSON reports unless a report
     * directory is given; then every JSON file in it must validate against the library's schema.
     */
    static EngineExecutionResults run(Class<?> fixture, String... keyValues) {
        return run(List.of(fixture), keyValues);
    }

    static EngineExecutionResults run(List<Class<?>> fixtures, String... keyValues) {
        Map<String, String> parameters = new HashMap<>();
        parameters.put(BatchNormConsistency.REPORT_DIRECTORY_KEY, BatchNormConsistency.NO_REPORT_DIRECTORY);
        for (int i = 0; i < keyValues.length; i += 2) {
            parameters.put(keyValues[i], keyValues[i + 1]);
        }
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .enableImplicitConfigurationParameters(false)
                .configurationParameters(parameters)
                .selectors(fixtures.stream()
                        .map(c -> selectClass(c))
                        .toArray(org.junit.platform.engine.DiscoverySelector[]::new))
                .execute();
        // Every file the extension writes in a test run validates against the library's JSON Schema.
        String directory = parameters.get(BatchNormConsistency.REPORT_DIRECTORY_KEY);
        if (!directory.equalsIgnoreCase(BatchNormConsistency.NO_REPORT_DIRECTORY)) {
            ReportSchema.assertValidFiles(Path.of(directory));
        }
        return results;
    }

    /** The key-value pairs of every report entry published in the run, in order. */
    static List<Map<String, String>> reportEntries(EngineExecutionResults results) {
        return results.allEvents().reportingEntryPublished().stream()
                .map(event -> event.getRequiredPayload(ReportEntry.class).getKeyValuePairs())
                .toList();
    }

    /** The report entries one test published. */
    static List<Map<String, String>> reportEntries(EngineExecutionResults results, String methodName) {
        return results.allEvents().reportingEntryPublished().stream()
                .filter(event -> isMethod(event, methodName))
                .map(event -> event.getRequiredPayload(ReportEntry.class).getKeyValuePairs())
                .toList();
    }

    private static boolean isMethod(Event event, String methodName) {
        return event.getTestDescriptor().getUniqueId().toString().contains("[method:" + methodName + "(");
    }

    /** The failure of the one test in the run, or null when it did not fail. */
    static Throwable failure(EngineExecutionResults results, String methodName) {
        return results.testEvents().finished().stream()
                .filter(event -> isMethod(event, methodName))
                .map(event -> event.getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no test " + methodName + " finished"))
                .getThrowable()
                .orElse(null);
    }
}
