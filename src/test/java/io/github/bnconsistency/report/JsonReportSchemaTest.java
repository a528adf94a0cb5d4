package io.github.bnconsistency.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.Recalibration;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.testing.GraphModels;
import io.github.bnconsistency.testing.OneShotIterators;
import io.github.bnconsistency.testing.ReportSchema;
import io.github.bnconsistency.testing.StoryModels;
import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The JSON Schema ({@link JsonReport#SCHEMA_RESOURCE}) against the reports the test suite's real models give: every
 * kind of report the suite makes validates (the story CNN diverging, recalibrated and with a frozen feature
 * extractor; graphs; mini-batch probes with noise floors, re-batching and per-example targets; lint-heavy models;
 * never-trained ones; NaN outputs and corrupted statistics; a report built by hand), and a document the schema does
 * not describe fails, so the validation can fail. The extension's files are validated wherever the extension's
 * tests write them ({@code junit.Fixtures.run}).
 */
class JsonReportSchemaTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    static Stream<Arguments> reports() {
        return Stream.of(
                        named(
                                "the story CNN, 10 iterations at decay 0.99",
                                () -> HtmlReportSamples.Sample.STORY.report()),
                        named(
                                "ResNet50 never trained: NaN inference outputs, noise floors",
                                () -> HtmlReportSamples.Sample.RESNET50.report()),
                        named(
                                "a never-trained dense network with hostile names",
                                () -> HtmlReportSamples.Sample.HOSTILE.report()),
                        named(
                                "dropout before the BN layer (VARIANCE_SHIFT)",
                                () -> HtmlReportSamples.Sample.VARIANCE_SHIFT.report()),
                        named("the story CNN recalibrated", JsonReportSchemaTest::recalibratedStory),
                        named("recalibration's before and after reports", JsonReportSchemaTest::recalibrationBefore),
                        named("a frozen feature extractor", JsonReportSchemaTest::frozen),
                        named("a residual graph with dropout, 2 probe batches", JsonReportSchemaTest::residualGraph),
                        named("a graph with two inputs and two outputs", JsonReportSchemaTest::twoInputGraph),
                        named("mini-batches: probe batches of the training size", () -> miniBatch(4, 4, true)),
                        named("mini-batches: one probe batch re-batched to 4", () -> miniBatch(24, 4, true)),
                        named("mini-batches: per-example targets (a read-once iterator)", () -> miniBatch(6, 4, false)),
                        named(
                                "composed probe batches (unrepresentative lint)",
                                () -> linted(composedBatches(), LintFinding.UNREPRESENTATIVE_PROBE_BATCHES)),
                        named(
                                "gradient normalization (lint)",
                                () -> linted(gradientNormalization(), LintFinding.GRADIENT_NORMALIZATION)),
                        named(
                                "single-example dense batches (lint)",
                                () -> linted(singleExampleBatches(), LintFinding.SINGLE_EXAMPLE_BATCHES)),
                        named(
                                "NaN stored statistics (CORRUPTED)",
                                () -> linted(corrupted(), LintFinding.CORRUPTED_STATISTICS)),
                        named("a report built by hand, non-finite figures", JsonReportSchemaTest::byHand))
                .map(a -> a);
    }

    /** The report, having checked that the case has the lint finding it is there for. */
    private static ConsistencyReport linted(ConsistencyReport report, String rule) {
        assertThat(report.lint()).extracting(LintFinding::rule).contains(rule);
        return report;
    }

    private static Arguments named(String name, Supplier<ConsistencyReport> report) {
        return Arguments.of(name, report);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reports")
    void every_kind_of_report_the_suite_makes_validates_against_the_schema(
            String name, Supplier<ConsistencyReport> made) {
        ConsistencyReport report = made.get();
        String json = JsonReport.render(report);

        ReportSchema.assertValid(json, name);
        assertThat(JsonReport.parse(json)).isEqualTo(report);
    }

    @Test
    void a_document_the_schema_does_not_describe_fails() throws Exception {
        String valid = JsonReport.render(HtmlReportSamples.Sample.STORY.report());
        assertThat(ReportSchema.errors(valid)).isEmpty();

        assertInvalid(valid, root -> root.remove("createdAt"), "createdAt");
        assertInvalid(valid, root -> root.put("comment", "an unknown field"), "comment");
        assertInvalid(valid, root -> root.put("schemaVersion", "2.0"), "schemaVersion");
        assertInvalid(valid, root -> root.put("createdAt", "yesterday"), "createdAt");
        assertInvalid(valid, root -> root.put("iterationCount", "ten"), "iterationCount");
        assertInvalid(valid, root -> root.put("iterationCount", -1), "iterationCount");
        assertInvalid(valid, root -> layer(root).put("status", "MAYBE"), "status");
        assertInvalid(valid, root -> layer(root).put("extra", 1), "extra");
        assertInvalid(valid, root -> layer(root).remove("updatesNeeded"), "updatesNeeded");
        assertInvalid(
                valid,
                root -> ((ObjectNode) layer(root).get("channels").get(0)).put("divergence", "big"),
                "divergence");
        assertInvalid(valid, root -> ((ArrayNode) root.get("fixes")).add(3), "fixes");
        assertInvalid(valid, root -> ((ObjectNode) root.get("output")).put("maxAbsDifference", "-NaN"), "maxAbs");
        assertInvalid(valid, root -> root.put("format", "bnconsistency-something"), "format");
    }

    private static ObjectNode layer(ObjectNode root) {
        return (ObjectNode) root.get("layers").get(0);
    }

    private static void assertInvalid(String valid, Consumer<ObjectNode> breakIt, String named) throws Exception {
        ObjectNode root = (ObjectNode) MAPPER.readTree(valid);
        breakIt.accept(root);
        assertThat(ReportSchema.errors(root.toString()))
                .as("the schema's errors for a document broken at %s", named)
                .isNotEmpty()
                .anySatisfy(error -> assertThat(error).contains(named));
    }

    @Test
    void the_schemas_enums_are_the_libraries_enums() throws Exception {
        JsonNode defs;
        try (var in = getClass().getClassLoader().getResourceAsStream(JsonReport.SCHEMA_RESOURCE)) {
            defs = MAPPER.readTree(in).get("$defs");
        }
        JsonNode layer = defs.get("layer").get("properties");
        assertThat(values(layer.get("status"))).containsExactlyElementsOf(names(LayerStatus.values()));
        assertThat(values(layer.get("storage"))).containsExactlyElementsOf(names(StatisticsStorage.values()));
        assertThat(values(layer.get("layout"))).containsExactlyElementsOf(names(ChannelLayout.values()));
        assertThat(values(layer.get("updatesNeeded").get("properties").get("kind")))
                .containsExactlyElementsOf(names(UpdatesNeeded.Kind.values()));
        JsonNode reference =
                defs.get("report").get("properties").get("reference").get("properties");
        assertThat(values(reference.get("kind"))).containsExactlyElementsOf(names(Reference.Kind.values()));
        assertThat(values(reference.get("batchSizeSource")))
                .containsExactlyElementsOf(names(Reference.BatchSizeSource.values()));
        assertThat(values(reference.get("targets"))).containsExactlyElementsOf(names(Reference.Targets.values()));
        assertThat(defs.get("report")
                        .get("properties")
                        .get("schemaVersion")
                        .get("const")
                        .asText())
                .isEqualTo(JsonReport.SCHEMA_VERSION);
        assertThat(defs.get("report")
                        .get("properties")
                        .get("formatVersion")
                        .get("const")
                        .asInt())
                .isEqualTo(JsonReport.FORMAT_VERSION);
    }

    private static List<String> values(JsonNode enumProperty) {
        List<String> values = new ArrayList<>();
        enumProperty.get("enum").forEach(v -> values.add(v.asText()));
        return values;
    }

    private static List<String> names(Enum<?>[] constants) {
        return Stream.of(constants).map(Enum::name).toList();
    }

    // ---- The reports: real models as the suite's tests check them. ----

    private static MultiLayerNetwork trainedStory() {
        MultiLayerNetwork model = StoryModels.storyCnn(0.99, 1);
        StoryModels.train(model, StoryModels.storyData(101), 10);
        return model;
    }

    private static ConsistencyReport recalibratedStory() {
        DataSet images = StoryModels.storyData(101);
        Recalibration<MultiLayerNetwork> fixed = BatchNormRecalibration.recalibratedCopy(trainedStory(), images);
        return BatchNormInspector.inspect(fixed.model(), images);
    }

    private static ConsistencyReport recalibrationBefore() {
        Recalibration<MultiLayerNetwork> fixed =
                BatchNormRecalibration.recalibratedCopy(trainedStory(), StoryModels.storyData(101));
        ReportSchema.assertValid(JsonReport.render(fixed.after()), "recalibration's after report");
        return fixed.before();
    }

    private static ConsistencyReport frozen() {
        MultiLayerNetwork model = StoryModels.withFrozenFeatureExtractor(trainedStory());
        DataSet images = StoryModels.storyData(102);
        StoryModels.train(model, images, 3);
        return BatchNormInspector.inspect(model, images);
    }

    private static ConsistencyReport residualGraph() {
        DataSet images = StoryModels.images(12, 7);
        ComputationGraph graph = GraphModels.residualCnn(0.99, 4, true);
        graph.fit(images);
        return BatchNormInspector.inspect(graph, new ListDataSetIterator<>(images.asList(), 6));
    }

    private static ConsistencyReport twoInputGraph() {
        ComputationGraph graph = GraphModels.twoInputsTwoOutputs(0.9, 3);
        graph.fit(GraphModels.twoInputBatch(16, 3));
        return BatchNormInspector.inspect(graph, GraphModels.twoInputBatch(16, 4));
    }

    /** The story CNN trained in shuffled batches of 4 for 3 epochs, probed in batches of {@code probeBatch}. */
    private static ConsistencyReport miniBatch(int probeBatch, int trainingBatch, boolean replayable) {
        MultiLayerNetwork model = StoryModels.storyCnn(0.9, 2);
        List<DataSet> examples = StoryModels.images(24, 11).asList();
        StoryModels.trainShuffled(model, examples, trainingBatch, 3, new Random(5));
        List<DataSet> probe = StoryModels.shuffledBatches(examples, probeBatch, new Random(6));
        InspectionOptions options = InspectionOptions.defaults().withTrainingBatchSize(trainingBatch);
        ProbeData data = replayable
                ? ProbeData.of(new ListDataSetIterator<>(probe, 1))
                : ProbeData.of(new OneShotIterators.OneShotDataSetIterator(probe));
        return BatchNormInspector.inspect(model, data, options);
    }

    private static ConsistencyReport composedBatches() {
        MultiLayerNetwork model = trainedStory();
        DataSet images = StoryModels.images(12, 13);
        List<DataSet> byClass = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            List<DataSet> one = new ArrayList<>();
            for (int i = c; i < 12; i += 3) {
                one.add(images.get(i));
            }
            byClass.add(DataSet.merge(one));
        }
        return BatchNormInspector.inspect(model, new ListDataSetIterator<>(byClass, 1));
    }

    private static ConsistencyReport gradientNormalization() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(1)
                .updater(new Adam(1e-2))
                .gradientNormalization(GradientNormalization.RenormalizeL2PerLayer)
                .list()
                .layer(new DenseLayer.Builder()
                        .nOut(8)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn").decay(0.9).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(4))
                .build());
        net.init();
        Nd4j.getRandom().setSeed(3);
        DataSet data = new DataSet(
                Nd4j.randn(DataType.FLOAT, 60, 4).muli(3).addi(5), Nd4j.eye(3).repeat(0, 20));
        for (int i = 0; i < 20; i++) {
            net.fit(data);
        }
        return BatchNormInspector.inspect(net, data);
    }

    private static ConsistencyReport singleExampleBatches() {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.DENSE, false, 0.9, 1e-5);
        Random random = new Random(8);
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            batches.add(new DataSet(
                    TinyNetworks.features(Layout.DENSE, TinyNetworks.randomValues(Layout.DENSE, 1, random)), null));
        }
        return BatchNormInspector.inspect(net, ProbeData.of(new ExistingDataSetIterator(batches)));
    }

    private static ConsistencyReport corrupted() {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.NCHW, false, 0.9, 1e-5);
        double[][][] values = TinyNetworks.randomValues(Layout.NCHW, 6, new Random(4));
        double[][] stats = TinyNetworks.meanAndBiasedVariance(values);
        stats[0][1] = Double.NaN;
        stats[1][2] = Double.POSITIVE_INFINITY;
        TinyNetworks.setMovingStatistics(net.getLayer(0), stats[0], stats[1]);
        INDArray features = TinyNetworks.features(Layout.NCHW, values);
        return BatchNormInspector.inspect(net, features);
    }

    private static ConsistencyReport byHand() {
        ConsistencyReport checked = corrupted();
        OutputDivergence o = checked.output();
        return new ConsistencyReport(
                checked.modelType(),
                checked.dataType(),
                checked.probe(),
                checked.layerTolerance(),
                checked.layers(),
                new OutputDivergence(
                        o.examples(),
                        o.comparedValues(),
                        Double.POSITIVE_INFINITY,
                        Double.NaN,
                        3,
                        5,
                        Optional.of("layer index 0"),
                        0,
                        0,
                        0,
                        0,
                        0,
                        Optional.of("labels do not fit")),
                checked.reference(),
                checked.lint(),
                List.of());
    }
}
