package io.github.bnconsistency.junit;

import io.github.bnconsistency.report.HtmlReport;
import io.github.bnconsistency.report.JsonReport;
import java.util.List;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.util.DefaultIndenter;
import org.nd4j.shade.jackson.core.util.DefaultPrettyPrinter;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ArrayNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The run's {@value #NAME} beside {@code index.html}: format {@value #FORMAT}, fields {@code format},
 * {@code formatVersion}, {@code schemaVersion}, {@code counts} ({@code tests}, {@code consistent}, {@code diverges})
 * and {@code tests}: per test checked in this run, in the order they finished, {@code uniqueId}, {@code test},
 * {@code verdict}, {@code rootLayer} (or null), {@code maxAbsDifference}, {@code divergingLayers},
 * {@code batchNormLayers}, {@code reportFile} and {@code htmlReportFile} (file names in the same directory). Its
 * schema is {@link JsonReport#SCHEMA_RESOURCE}'s.
 */
final class RunSummaryFile {

    /** The file's name in the report directory. */
    static final String NAME = "summary.json";

    static final String FORMAT = "bnconsistency-run-summary";
    static final int FORMAT_VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RunSummaryFile() {}

    /** One test of the run: its unique id, its JSON report's file name and the index row the HTML index shows. */
    record Row(String uniqueId, String reportFile, HtmlReport.IndexEntry entry) {}

    static String render(List<Row> rows) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("formatVersion", FORMAT_VERSION);
        root.put("schemaVersion", JsonReport.SCHEMA_VERSION);
        long consistent = rows.stream().filter(r -> r.entry().consistent()).count();
        ObjectNode counts = root.putObject("counts");
        counts.put("tests", rows.size());
        counts.put("consistent", consistent);
        counts.put("diverges", rows.size() - consistent);
        ArrayNode tests = root.putArray("tests");
        for (Row row : rows) {
            HtmlReport.IndexEntry e = row.entry();
            ObjectNode t = tests.addObject();
            t.put("uniqueId", row.uniqueId());
            t.put("test", e.test());
            t.put("verdict", e.consistent() ? ReportEntries.CONSISTENT : ReportEntries.DIVERGES);
            t.put("rootLayer", e.rootLayer().isEmpty() ? null : e.rootLayer());
            double max = e.maxOutputDifference();
            if (Double.isFinite(max)) {
                t.put("maxAbsDifference", max);
            } else {
                t.put("maxAbsDifference", Double.toString(max));
            }
            t.put("divergingLayers", e.divergingLayers());
            t.put("batchNormLayers", e.batchNormLayers());
            t.put("reportFile", row.reportFile());
            t.put("htmlReportFile", e.href());
        }
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
        printer.indentArraysWith(new DefaultIndenter("  ", "\n"));
        try {
            return MAPPER.writer(printer).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("The run summary could not be written", e);
        }
    }
}
