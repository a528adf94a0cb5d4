package io.github.bnconsistency.report;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.util.DefaultIndenter;
import org.nd4j.shade.jackson.core.util.DefaultPrettyPrinter;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Renders a {@link ConsistencyReport} as JSON and reads it back, for build tools, dashboards and the JUnit
 * extension's per-test report files.
 *
 * <pre>{@code
 * String json = JsonReport.render(BatchNormInspector.inspect(model, data));
 * ConsistencyReport again = JsonReport.parse(json);   // equal to the original report
 * }</pre>
 *
 * <p>The document (format {@value #FORMAT}, version {@value #FORMAT_VERSION}, schema {@value #SCHEMA_VERSION}: the
 * JSON Schema {@link #SCHEMA_RESOURCE} in this jar) is one object whose fields come in a fixed order:
 * {@code format}, {@code formatVersion}, {@code schemaVersion}, {@code createdAt} (ISO-8601 UTC, or null),
 * {@code modelType}, {@code dataType}, {@code iterationCount} and {@code epochCount} (the model's, or null),
 * {@code layerTolerance},
 * {@code probe} ({@link ProbeSummary}'s components), {@code output} ({@link OutputDivergence}'s components: the
 * inference outputs against the reference), {@code reference} ({@link Reference}'s components, {@code trainingPath}
 * as an output object, {@code batchSizeEstimate} an object or null, {@code withinStatisticsNoise} from schema 1.4),
 * {@code summary} ({@code rootCause}: the root-cause layer's name or null, {@code divergingLayers},
 * {@code batchNormLayers}), {@code layers}: one object per layer with {@link LayerFinding}'s components
 * ({@code updatesNeeded} as {@code {kind, iterations, reason}}; enums by name), then the derived
 * {@code maxDivergence}, {@code meanDivergence}, {@code channelsOff}, {@code withinNoiseFloors} and
 * {@code withinNoiseByOutputs} (schema 1.3), then {@code channels}: one object per
 * channel with {@link ChannelFinding}'s components, {@code fix}: the text of the report's {@code Fix:} line
 * ({@link ConsistencyReport#fixText()}), {@code fixes}: the report's fixes as strings, and {@code lint}: one
 * object per {@link LintFinding}
 * ({@code rule}, {@code layer}, {@code message}, {@code fix}). The {@code summary} and the derived layer fields are for
 * readers of the file; {@link #parse} recomputes them from the rest (and reads a document without {@code createdAt},
 * {@code iterationCount} or {@code epochCount} as not knowing them).
 *
 * <p>JSON has no NaN or infinity, so such a number is written as the string {@code "NaN"}, {@code "Infinity"}
 * or {@code "-Infinity"}; {@link #parse} reads those back. Every other number is written so that it reads back
 * to the same {@code double}.
 */
public final class JsonReport {

    /** The value of the document's {@code format} field. */
    public static final String FORMAT = "bnconsistency-report";

    /** The value of the document's {@code formatVersion} field; bumped only by incompatible changes. */
    public static final int FORMAT_VERSION = 1;

    /**
     * The value of the document's {@code schemaVersion} field: the version of {@link #SCHEMA_RESOURCE} the document
     * follows, {@code major.minor}. The minor part grows when fields are added (a reader of an earlier minor version
     * ignores them); the major part is {@link #FORMAT_VERSION} and grows only with it, when a field is renamed,
     * removed or changes meaning.
     */
    public static final String SCHEMA_VERSION = "1.4";

    /**
     * The JSON Schema (draft 2020-12) of this document, of the JUnit extension's per-test report files and of its
     * per-run {@code summary.json}, as a class-path resource of this library's jar:
     * {@code JsonReport.class.getClassLoader().getResource(JsonReport.SCHEMA_RESOURCE)}.
     */
    public static final String SCHEMA_RESOURCE = "io/github/bnconsistency/report/bnconsistency-report.schema.json";

    // One mapper for the library: ObjectMapper is thread-safe once configured, and it is never reconfigured.
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonReport() {}

    /**
     * The report as an indented JSON document (two spaces, {@code \n} line ends, on every platform).
     *
     * @param report the report
     * @return the JSON document
     */
    public static String render(ConsistencyReport report) {
        if (report == null) {
            throw new IllegalArgumentException("The report is null: pass the report to render.");
        }
        return write(toTree(report));
    }

    /**
     * Reads a document written by {@link #render}, or one that holds such a document in its {@code report} field
     * (the JUnit extension's per-test report files).
     *
     * @throws IllegalArgumentException when the text is not such a document; the message names the missing or
     *                                  malformed field
     * @param json the JSON text
     * @return the report it holds
     */
    public static ConsistencyReport parse(String json) {
        if (json == null) {
            throw new IllegalArgumentException("The JSON text is null: pass a document written by JsonReport.render.");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Not a JSON document: " + e.getOriginalMessage(), e);
        }
        if (root != null
                && root.isObject()
                && !root.has("modelType")
                && root.path("report").isObject()) {
            root = root.get("report");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("Expected a JSON object written by JsonReport.render.");
        }
        String format = root.path("format").asText("");
        if (!FORMAT.equals(format)) {
            throw new IllegalArgumentException(
                    "Expected format \"" + FORMAT + "\" but the document says \"" + format + "\".");
        }
        int version = root.path("formatVersion").asInt(-1);
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("This library reads format version " + FORMAT_VERSION
                    + " but the document has version " + version + ".");
        }
        return readReport(root);
    }

    private static String write(JsonNode tree) {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
        printer.indentArraysWith(new DefaultIndenter("  ", "\n"));
        try {
            return MAPPER.writer(printer).writeValueAsString(tree) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A JSON tree could not be written", e);
        }
    }

    private static ObjectNode toTree(ConsistencyReport report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("formatVersion", FORMAT_VERSION);
        root.put("schemaVersion", SCHEMA_VERSION);
        root.put("createdAt", report.createdAt().map(Instant::toString).orElse(null));
        root.put("modelType", report.modelType());
        root.put("dataType", report.dataType());
        count(root, "iterationCount", report.iterationCount());
        count(root, "epochCount", report.epochCount());
        number(root, "layerTolerance", report.layerTolerance());

        ProbeSummary probe = report.probe();
        ObjectNode p = root.putObject("probe");
        p.put("source", probe.source());
        p.put("batches", probe.batches());
        p.put("examples", probe.examples());
        p.put("firstBatchShape", probe.firstBatchShape());
        p.put("smallestBatch", probe.smallestBatch());
        p.put("garbageCollections", probe.garbageCollections());

        writeOutput(root.putObject("output"), report.output());

        Reference reference = report.reference();
        ObjectNode r = root.putObject("reference");
        r.put("kind", reference.kind().name());
        r.put("trainingBatchSize", reference.trainingBatchSize());
        r.put("batchSizeSource", reference.batchSizeSource().name());
        r.put("targets", reference.targets().name());
        reference
                .estimate()
                .ifPresentOrElse(
                        e -> {
                            ObjectNode estimate = r.putObject("batchSizeEstimate");
                            estimate.put("layer", e.layer());
                            number(estimate, "low", e.low());
                            number(estimate, "median", e.median());
                            number(estimate, "high", e.high());
                            estimate.put("channels", e.channels());
                        },
                        () -> r.putNull("batchSizeEstimate"));
        writeOutput(r.putObject("trainingPath"), reference.trainingPath());
        reference
                .noise()
                .ifPresentOrElse(
                        n -> {
                            ObjectNode noise = r.putObject("noise");
                            noise.put("draws", n.draws());
                            number(noise, "medianMaxAbsDifference", n.medianMaxAbsDifference());
                            number(noise, "maxAbsDifference", n.maxAbsDifference());
                            number(noise, "medianDisagreement", n.medianDisagreement());
                            number(noise, "disagreement", n.disagreement());
                            number(noise, "accuracyGap", n.accuracyGap());
                        },
                        () -> r.putNull("noise"));
        reference
                .doublePrecision()
                .ifPresentOrElse(
                        d -> number(r, "doublePrecisionMaxAbsDifference", d),
                        () -> r.putNull("doublePrecisionMaxAbsDifference"));
        r.put("withinStatisticsNoise", reference.withinStatisticsNoise());

        ObjectNode summary = root.putObject("summary");
        summary.put("rootCause", report.rootCause().map(LayerFinding::name).orElse(null));
        summary.put("divergingLayers", report.divergingLayers().size());
        summary.put("batchNormLayers", report.layers().size());

        ArrayNode layers = root.putArray("layers");
        for (LayerFinding layer : report.layers()) {
            layers.add(layerTree(layer));
        }
        root.put("fix", report.fixText());
        ArrayNode fixes = root.putArray("fixes");
        report.fixes().forEach(fixes::add);
        ArrayNode lint = root.putArray("lint");
        for (LintFinding finding : report.lint()) {
            ObjectNode f = lint.addObject();
            f.put("rule", finding.rule());
            f.put("layer", finding.layer());
            f.put("message", finding.message());
            f.put("fix", finding.fix());
        }
        return root;
    }

    private static ObjectNode layerTree(LayerFinding layer) {
        ObjectNode l = MAPPER.createObjectNode();
        l.put("name", layer.name());
        l.put("position", layer.position());
        l.put("location", layer.location());
        number(l, "decay", layer.decay());
        number(l, "eps", layer.eps());
        l.put("storage", layer.storage().name());
        l.put("layout", layer.layout().name());
        l.put("unmeasured", layer.unmeasured().orElse(""));
        l.put("frozen", layer.frozen());
        l.put("updateBlocker", layer.updateBlocker().orElse(""));
        l.put("status", layer.status().name());
        number(l, "tolerance", layer.tolerance());
        ObjectNode updates = l.putObject("updatesNeeded");
        updates.put("kind", layer.updatesNeeded().kind().name());
        updates.put("iterations", layer.updatesNeeded().iterations());
        updates.put("reason", layer.updatesNeeded().reason());
        number(l, "noiseFloor", layer.noiseFloor());
        number(l, "maxDivergence", layer.maxDivergence());
        number(l, "meanDivergence", layer.meanDivergence());
        l.put("channelsOff", layer.channelsOff());
        l.put("withinNoiseFloors", layer.withinNoiseFloors());
        l.put("withinNoiseByOutputs", layer.withinNoiseByOutputs());
        ArrayNode channels = l.putArray("channels");
        for (ChannelFinding c : layer.channels()) {
            ObjectNode ch = channels.addObject();
            ch.put("channel", c.channel());
            number(ch, "batchMean", c.batchMean());
            number(ch, "batchVariance", c.batchVariance());
            number(ch, "movingMean", c.movingMean());
            number(ch, "movingVariance", c.movingVariance());
            number(ch, "batchMeanSpread", c.batchMeanSpread());
            number(ch, "batchVarianceSpread", c.batchVarianceSpread());
            number(ch, "meanShift", c.meanShift());
            number(ch, "varianceRatio", c.varianceRatio());
            number(ch, "divergence", c.divergence());
            number(ch, "inferenceInputDrift", c.inferenceInputDrift());
            number(ch, "noiseFloor", c.noiseFloor());
        }
        layer.varianceShift()
                .ifPresentOrElse(
                        shift -> {
                            ObjectNode v = l.putObject("varianceShift");
                            ArrayNode sources = v.putArray("sources");
                            shift.sources().forEach(sources::add);
                            number(v, "trainingDivergence", shift.trainingDivergence());
                            number(v, "minShift", shift.minShift());
                            number(v, "maxShift", shift.maxShift());
                        },
                        () -> l.putNull("varianceShift"));
        return l;
    }

    /** A model count, or null when it is not known. */
    private static void count(ObjectNode node, String field, int value) {
        if (value == ConsistencyReport.UNKNOWN_COUNT) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }

    /** A model count, {@link ConsistencyReport#UNKNOWN_COUNT} when null or absent (a document written before it). */
    private static int readCount(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? ConsistencyReport.UNKNOWN_COUNT : (int) integer(node, name);
    }

    private static Optional<Instant> readInstant(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        String text = text(node, name);
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            throw malformed(name, "an ISO-8601 UTC instant such as \"2026-12-02T00:10:00.123Z\"", value);
        }
    }

    /** A finite number as a JSON number; NaN and infinities as strings, since JSON has none. */
    private static void number(ObjectNode node, String field, double value) {
        if (Double.isFinite(value)) {
            node.put(field, value);
        } else {
            node.put(field, Double.toString(value));
        }
    }

    private static void writeOutput(ObjectNode o, OutputDivergence output) {
        o.put("examples", output.examples());
        o.put("comparedValues", output.comparedValues());
        number(o, "maxAbsDifference", output.maxAbsDifference());
        number(o, "meanAbsDifference", output.meanAbsDifference());
        o.put("nonFiniteTrainingValues", output.nonFiniteTrainingValues());
        o.put("nonFiniteInferenceValues", output.nonFiniteInferenceValues());
        o.put("firstNonFiniteLayer", output.firstNonFiniteLayer().orElse(""));
        o.put("classifiedExamples", output.classifiedExamples());
        o.put("argmaxAgreements", output.argmaxAgreements());
        o.put("labelledExamples", output.labelledExamples());
        o.put("trainingCorrect", output.trainingCorrect());
        o.put("inferenceCorrect", output.inferenceCorrect());
        o.put("ignoredLabels", output.ignoredLabels().orElse(""));
    }

    private static OutputDivergence readOutput(JsonNode o) {
        return new OutputDivergence(
                integer(o, "examples"),
                integer(o, "comparedValues"),
                decimal(o, "maxAbsDifference"),
                decimal(o, "meanAbsDifference"),
                integer(o, "nonFiniteTrainingValues"),
                integer(o, "nonFiniteInferenceValues"),
                reason(o, "firstNonFiniteLayer"),
                integer(o, "classifiedExamples"),
                integer(o, "argmaxAgreements"),
                integer(o, "labelledExamples"),
                integer(o, "trainingCorrect"),
                integer(o, "inferenceCorrect"),
                reason(o, "ignoredLabels"));
    }

    private static Reference readReference(JsonNode r) {
        JsonNode e = r.get("batchSizeEstimate");
        Optional<Reference.BatchSizeEstimate> estimate = e == null || e.isNull()
                ? Optional.empty()
                : Optional.of(new Reference.BatchSizeEstimate(
                        text(e, "layer"), decimal(e, "low"), decimal(e, "median"), decimal(e, "high"), (int)
                                integer(e, "channels")));
        return new Reference(
                constant(Reference.Kind.class, r, "kind"),
                (int) integer(r, "trainingBatchSize"),
                constant(Reference.BatchSizeSource.class, r, "batchSizeSource"),
                constant(Reference.Targets.class, r, "targets"),
                estimate,
                readOutput(object(r, "trainingPath")),
                readNoise(r.get("noise")),
                r.get("doublePrecisionMaxAbsDifference") == null
                                || r.get("doublePrecisionMaxAbsDifference").isNull()
                        ? Optional.empty()
                        : Optional.of(decimal(r, "doublePrecisionMaxAbsDifference")),
                // absent in files written before it existed: not found
                r.has("withinStatisticsNoise") && bool(r, "withinStatisticsNoise"));
    }

    /** Absent in files written before it existed: not measured. */
    private static Optional<OutputNoise> readNoise(JsonNode n) {
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        return Optional.of(new OutputNoise(
                (int) integer(n, "draws"),
                decimal(n, "medianMaxAbsDifference"),
                decimal(n, "maxAbsDifference"),
                decimal(n, "medianDisagreement"),
                decimal(n, "disagreement"),
                decimal(n, "accuracyGap")));
    }

    private static ConsistencyReport readReport(JsonNode root) {
        JsonNode p = object(root, "probe");
        ProbeSummary probe = new ProbeSummary(
                text(p, "source"),
                (int) integer(p, "batches"),
                integer(p, "examples"),
                text(p, "firstBatchShape"),
                integer(p, "smallestBatch"),
                p.has("garbageCollections") ? (int) integer(p, "garbageCollections") : 0); // absent before 1.2
        OutputDivergence output = readOutput(object(root, "output"));
        Reference reference = readReference(object(root, "reference"));
        List<LayerFinding> layers = new ArrayList<>();
        for (JsonNode l : array(root, "layers")) {
            layers.add(readLayer(l));
        }
        List<LintFinding> lint = new ArrayList<>();
        for (JsonNode f : array(root, "lint")) {
            lint.add(new LintFinding(text(f, "rule"), text(f, "layer"), text(f, "message"), text(f, "fix")));
        }
        List<String> fixes = new ArrayList<>();
        for (JsonNode f : array(root, "fixes")) {
            fixes.add(f.asText());
        }
        return new ConsistencyReport(
                text(root, "modelType"),
                text(root, "dataType"),
                probe,
                decimal(root, "layerTolerance"),
                layers,
                output,
                reference,
                lint,
                fixes,
                readCount(root, "iterationCount"),
                readCount(root, "epochCount"),
                readInstant(root, "createdAt"));
    }

    private static LayerFinding readLayer(JsonNode l) {
        List<ChannelFinding> channels = new ArrayList<>();
        for (JsonNode c : array(l, "channels")) {
            channels.add(new ChannelFinding(
                    (int) integer(c, "channel"),
                    decimal(c, "batchMean"),
                    decimal(c, "batchVariance"),
                    decimal(c, "movingMean"),
                    decimal(c, "movingVariance"),
                    decimal(c, "batchMeanSpread"),
                    decimal(c, "batchVarianceSpread"),
                    decimal(c, "meanShift"),
                    decimal(c, "varianceRatio"),
                    decimal(c, "divergence"),
                    decimal(c, "inferenceInputDrift"),
                    decimal(c, "noiseFloor")));
        }
        JsonNode u = object(l, "updatesNeeded");
        UpdatesNeeded updates = new UpdatesNeeded(
                constant(UpdatesNeeded.Kind.class, u, "kind"), integer(u, "iterations"), text(u, "reason"));
        return new LayerFinding(
                text(l, "name"),
                (int) integer(l, "position"),
                text(l, "location"),
                decimal(l, "decay"),
                decimal(l, "eps"),
                constant(StatisticsStorage.class, l, "storage"),
                constant(ChannelLayout.class, l, "layout"),
                reason(l, "unmeasured"),
                bool(l, "frozen"),
                reason(l, "updateBlocker"),
                channels,
                constant(LayerStatus.class, l, "status"),
                decimal(l, "tolerance"),
                updates,
                decimal(l, "noiseFloor"),
                readVarianceShift(l));
    }

    /** Absent in schema 1.0 documents, null when the layer has none. */
    private static Optional<VarianceShift> readVarianceShift(JsonNode l) {
        JsonNode v = l.get("varianceShift");
        if (v == null || v.isNull()) {
            return Optional.empty();
        }
        List<String> sources = new ArrayList<>();
        for (JsonNode source : array(v, "sources")) {
            sources.add(source.asText());
        }
        return Optional.of(new VarianceShift(
                sources, decimal(v, "trainingDivergence"), decimal(v, "minShift"), decimal(v, "maxShift")));
    }

    /** A reason field: written as {@code ""} when there is none. */
    private static Optional<String> reason(JsonNode node, String name) {
        String value = text(node, name);
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    private static JsonNode field(JsonNode node, String name) {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("The JSON report has no field \"" + name + "\" where one is expected.");
        }
        return value;
    }

    private static JsonNode object(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isObject()) {
            throw malformed(name, "an object", value);
        }
        return value;
    }

    private static JsonNode array(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isArray()) {
            throw malformed(name, "an array", value);
        }
        return value;
    }

    private static String text(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isTextual()) {
            throw malformed(name, "a string", value);
        }
        return value.asText();
    }

    private static long integer(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isIntegralNumber()) {
            throw malformed(name, "an integer", value);
        }
        return value.asLong();
    }

    private static boolean bool(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (!value.isBoolean()) {
            throw malformed(name, "true or false", value);
        }
        return value.asBoolean();
    }

    private static double decimal(JsonNode node, String name) {
        JsonNode value = field(node, name);
        if (value.isNumber()) {
            return value.asDouble();
        }
        return switch (value.asText()) {
            case "NaN" -> Double.NaN;
            case "Infinity" -> Double.POSITIVE_INFINITY;
            case "-Infinity" -> Double.NEGATIVE_INFINITY;
            default -> throw malformed(name, "a number, \"NaN\", \"Infinity\" or \"-Infinity\"", value);
        };
    }

    private static <E extends Enum<E>> E constant(Class<E> type, JsonNode node, String name) {
        String value = text(node, name);
        try {
            return Enum.valueOf(type, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "The JSON report's field \"" + name + "\" is \"" + value + "\", not a " + type.getSimpleName()
                            + " name.",
                    e);
        }
    }

    private static IllegalArgumentException malformed(String name, String expected, JsonNode value) {
        return new IllegalArgumentException(
                "The JSON report's field \"" + name + "\" should be " + expected + " but is " + value + ".");
    }
}
