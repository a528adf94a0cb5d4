package io.github.bnconsistency.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a report: field names and order pinned, exact round trip, non-finite numbers, the model's counts,
 * the time of the check and the fix text (the schema: {@code JsonReportSchemaTest}).
 */
class JsonReportTest {

    private static final int NET_ITERATIONS = 7;
    private static final int NET_EPOCHS = 2;
    private static ConsistencyReport report;
    private static Instant before;
    private static Instant after;

    @BeforeAll
    static void inspectATinyDivergingNetwork() {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.NCHW, true, 0.9, 1e-5);
        net.setIterationCount(NET_ITERATIONS);
        net.setEpochCount(NET_EPOCHS);
        Random random = new Random(3);
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < 2; b++) {
            batches.add(new DataSet(
                    TinyNetworks.features(Layout.NCHW, TinyNetworks.randomValues(Layout.NCHW, 4, random)), null));
        }
        before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        report = BatchNormInspector.inspect(net, ProbeData.of(new ExistingDataSetIterator(batches)));
        after = Instant.now();
    }

    @Test
    void should_carry_the_models_counts_the_time_of_the_check_and_the_fix_text() {
        assertThat(report.iterationCount()).isEqualTo(NET_ITERATIONS);
        assertThat(report.epochCount()).isEqualTo(NET_EPOCHS);
        assertThat(report.createdAt()).hasValueSatisfying(t -> assertThat(t).isBetween(before, after));
        assertThat(report.fixText()).isEqualTo(String.join(", or ", report.fixes()) + ".");
        assertThat(TextReport.render(report)).contains("\nFix: " + report.fixText());
        Instant fixed = Instant.parse("2026-12-02T00:10:00.123456Z");
        assertThat(report.withCreatedAt(fixed).createdAt()).contains(Instant.parse("2026-12-02T00:10:00.123Z"));
        assertThat(JsonReport.render(report.withCreatedAt(fixed)))
                .contains("\"createdAt\" : \"2026-12-02T00:10:00.123Z\"")
                .isEqualTo(JsonReport.render(report.withCreatedAt(fixed)));
    }

    @Test
    void should_write_null_for_what_a_report_built_by_hand_does_not_know_and_read_it_back() throws Exception {
        ConsistencyReport byHand = new ConsistencyReport(
                report.modelType(),
                report.dataType(),
                report.probe(),
                report.layerTolerance(),
                report.layers(),
                report.output(),
                report.reference(),
                report.lint(),
                List.of());

        String json = JsonReport.render(byHand);

        JsonNode root = new ObjectMapper().readTree(json);
        assertThat(root.get("createdAt").isNull()).isTrue();
        assertThat(root.get("iterationCount").isNull()).isTrue();
        assertThat(root.get("epochCount").isNull()).isTrue();
        assertThat(root.get("fix").asText()).isEmpty();
        assertThat(JsonReport.parse(json)).isEqualTo(byHand);
        assertThat(byHand.iterationCount()).isEqualTo(ConsistencyReport.UNKNOWN_COUNT);
    }

    @Test
    void should_read_a_version_1_document_written_before_the_schema_version_as_not_knowing_the_new_fields()
            throws Exception {
        ObjectNode old = (ObjectNode) new ObjectMapper().readTree(JsonReport.render(report));
        old.remove(List.of("schemaVersion", "createdAt", "iterationCount", "epochCount", "fix"));
        old.get("layers").forEach(layer -> ((ObjectNode) layer).remove("varianceShift")); // new in schema 1.1
        old.get("layers")
                .forEach(layer -> ((ObjectNode) layer)
                        .remove(List.of("withinNoiseFloors", "withinNoiseByOutputs"))); // new in schema 1.3
        ((ObjectNode) old.get("reference")).remove("withinStatisticsNoise"); // new in schema 1.4

        ConsistencyReport read = JsonReport.parse(old.toString());

        assertThat(read.createdAt()).isEmpty();
        assertThat(read.iterationCount()).isEqualTo(ConsistencyReport.UNKNOWN_COUNT);
        assertThat(read.epochCount()).isEqualTo(ConsistencyReport.UNKNOWN_COUNT);
        assertThat(read.withCreatedAt(Instant.EPOCH))
                .isEqualTo(report.withModelCounts(ConsistencyReport.UNKNOWN_COUNT, ConsistencyReport.UNKNOWN_COUNT)
                        .withCreatedAt(Instant.EPOCH));
    }

    @Test
    void should_read_back_exactly_the_report_it_wrote() {
        String json = JsonReport.render(report);

        assertThat(JsonReport.parse(json)).isEqualTo(report);
        assertThat(report.divergingLayers())
                .as("the fixture diverges, so the numbers are not trivial")
                .hasSize(1);
    }

    @Test
    void should_render_deterministically_with_unix_line_ends() {
        String json = JsonReport.render(report);

        assertThat(JsonReport.render(JsonReport.parse(json))).isEqualTo(json);
        assertThat(json)
                .doesNotContain("\r")
                .startsWith("{\n  \"format\" : \"bnconsistency-report\"")
                .endsWith("}\n");
    }

    @Test
    void should_write_the_documented_fields_in_the_documented_order() throws Exception {
        JsonNode root = new ObjectMapper().readTree(JsonReport.render(report));

        assertThat(names(root))
                .containsExactly(
                        "format",
                        "formatVersion",
                        "schemaVersion",
                        "createdAt",
                        "modelType",
                        "dataType",
                        "iterationCount",
                        "epochCount",
                        "layerTolerance",
                        "probe",
                        "output",
                        "reference",
                        "summary",
                        "layers",
                        "fix",
                        "fixes",
                        "lint");
        assertThat(root.get("format").asText()).isEqualTo(JsonReport.FORMAT).isEqualTo("bnconsistency-report");
        assertThat(root.get("formatVersion").asInt())
                .isEqualTo(JsonReport.FORMAT_VERSION)
                .isEqualTo(1);
        assertThat(root.get("schemaVersion").asText())
                .isEqualTo(JsonReport.SCHEMA_VERSION)
                .isEqualTo("1.4");
        assertThat(root.get("createdAt").asText())
                .isEqualTo(report.createdAt().orElseThrow().toString())
                .matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z");
        assertThat(root.get("iterationCount").asInt()).isEqualTo(NET_ITERATIONS);
        assertThat(root.get("epochCount").asInt()).isEqualTo(NET_EPOCHS);
        assertThat(root.get("fix").asText()).isEqualTo(report.fixText()).isNotEmpty();
        assertThat(root.get("modelType").asText()).isEqualTo("MultiLayerNetwork");
        assertThat(root.get("dataType").asText()).isEqualTo("DOUBLE");
        assertThat(names(root.get("probe")))
                .containsExactly(
                        "source", "batches", "examples", "firstBatchShape", "smallestBatch", "garbageCollections");
        assertThat(root.get("probe").get("batches").asInt()).isEqualTo(2);
        assertThat(names(root.get("output")))
                .containsExactly(
                        "examples",
                        "comparedValues",
                        "maxAbsDifference",
                        "meanAbsDifference",
                        "nonFiniteTrainingValues",
                        "nonFiniteInferenceValues",
                        "firstNonFiniteLayer",
                        "classifiedExamples",
                        "argmaxAgreements",
                        "labelledExamples",
                        "trainingCorrect",
                        "inferenceCorrect",
                        "ignoredLabels");
        assertThat(names(root.get("summary"))).containsExactly("rootCause", "divergingLayers", "batchNormLayers");
        assertThat(root.get("summary").get("rootCause").asText()).isEqualTo("bn");
        assertThat(root.get("summary").get("divergingLayers").asInt()).isEqualTo(1);

        JsonNode layer = root.get("layers").get(0);
        assertThat(names(layer))
                .containsExactly(
                        "name",
                        "position",
                        "location",
                        "decay",
                        "eps",
                        "storage",
                        "layout",
                        "unmeasured",
                        "frozen",
                        "updateBlocker",
                        "status",
                        "tolerance",
                        "updatesNeeded",
                        "noiseFloor",
                        "maxDivergence",
                        "meanDivergence",
                        "channelsOff",
                        "withinNoiseFloors",
                        "withinNoiseByOutputs",
                        "channels",
                        "varianceShift");
        assertThat(layer.get("storage").asText()).isEqualTo("LOG10_STDEV");
        assertThat(layer.get("layout").asText()).isEqualTo("NCHW");
        assertThat(layer.get("status").asText()).isEqualTo("NOT_CONVERGED");
        // off by its statistics, so neither within its noise floors nor within noise by the outputs
        assertThat(layer.get("withinNoiseFloors").asBoolean()).isFalse();
        assertThat(layer.get("withinNoiseByOutputs").asBoolean()).isFalse();
        assertThat(layer.get("maxDivergence").asDouble())
                .isEqualTo(report.layers().get(0).maxDivergence());
        assertThat(names(layer.get("updatesNeeded"))).containsExactly("kind", "iterations", "reason");
        assertThat(layer.get("channels")).hasSize(TinyNetworks.CHANNELS);
        assertThat(names(layer.get("channels").get(0)))
                .containsExactly(
                        "channel",
                        "batchMean",
                        "batchVariance",
                        "movingMean",
                        "movingVariance",
                        "batchMeanSpread",
                        "batchVarianceSpread",
                        "meanShift",
                        "varianceRatio",
                        "divergence",
                        "inferenceInputDrift",
                        "noiseFloor");
    }

    @Test
    void should_write_nan_and_infinities_as_strings_and_read_them_back() throws Exception {
        LayerFinding layer = report.layers().get(0);
        List<ChannelFinding> channels = new ArrayList<>(layer.channels());
        ChannelFinding c = channels.get(0);
        channels.set(
                0,
                new ChannelFinding(
                        c.channel(),
                        Double.NaN,
                        c.batchVariance(),
                        c.movingMean(),
                        Double.POSITIVE_INFINITY,
                        c.batchMeanSpread(),
                        c.batchVarianceSpread(),
                        Double.NEGATIVE_INFINITY,
                        c.varianceRatio(),
                        c.divergence(),
                        Double.NaN,
                        c.noiseFloor()));
        OutputDivergence o = report.output();
        ConsistencyReport nonFinite = new ConsistencyReport(
                report.modelType(),
                report.dataType(),
                report.probe(),
                report.layerTolerance(),
                List.of(layer.withChannels(channels)),
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
                        Optional.empty()),
                report.reference(),
                List.of(new LintFinding(
                        LintFinding.DECAY_TOO_HIGH, "bn", "decay 0.99 after 10 iterations.", "train longer.")),
                List.of("train longer"));

        String json = JsonReport.render(nonFinite);

        JsonNode root = new ObjectMapper().readTree(json);
        assertThat(root.get("output").get("maxAbsDifference").isTextual()).isTrue();
        assertThat(root.get("output").get("maxAbsDifference").asText()).isEqualTo("Infinity");
        assertThat(root.get("output").get("meanAbsDifference").asText()).isEqualTo("NaN");
        JsonNode channel = root.get("layers").get(0).get("channels").get(0);
        assertThat(channel.get("batchMean").asText()).isEqualTo("NaN");
        assertThat(channel.get("meanShift").asText()).isEqualTo("-Infinity");
        assertThat(names(root.get("lint").get(0))).containsExactly("rule", "layer", "message", "fix");
        assertThat(JsonReport.parse(json)).isEqualTo(nonFinite);
    }

    @Test
    void should_read_the_report_inside_a_wrapping_document() throws Exception {
        String wrapped = "{\"test\": {\"uniqueId\": \"x\"}, \"report\": " + JsonReport.render(report) + "}";

        assertThat(JsonReport.parse(wrapped)).isEqualTo(report);
    }

    @Test
    void should_name_what_is_wrong_with_a_document_it_cannot_read() {
        String json = JsonReport.render(report);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> JsonReport.parse("{\"format\": \"something-else\"}"))
                .withMessageContaining("bnconsistency-report")
                .withMessageContaining("something-else");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> JsonReport.parse(json.replace("\"formatVersion\" : 1", "\"formatVersion\" : 2")))
                .withMessageContaining("version 2");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> JsonReport.parse(json.replace("\"eps\"", "\"epsilon\"")))
                .withMessageContaining("\"eps\"");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> JsonReport.parse(json.replace("\"frozen\" : false", "\"frozen\" : \"no\"")))
                .withMessageContaining("\"frozen\"");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> JsonReport.parse("not json"))
                .withMessageContaining("Not a JSON document");
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }
}
