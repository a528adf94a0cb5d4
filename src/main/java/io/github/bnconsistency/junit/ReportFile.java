package io.github.bnconsistency.junit;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.JsonReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.shade.jackson.core.JsonProcessingException;
import org.nd4j.shade.jackson.core.util.DefaultIndenter;
import org.nd4j.shade.jackson.core.util.DefaultPrettyPrinter;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * Writes the per-test JSON report: format {@value #FORMAT}, fields {@code format}, {@code formatVersion},
 * {@code schemaVersion} ({@link JsonReport#SCHEMA_VERSION}), {@code test} (uniqueId, displayName, className,
 * methodName), {@code check} (mode, tolerance, layerTolerance, verdict, model, data, judgeBy, minAgreement,
 * trainingBatchSize or null) and {@code report}, the {@link JsonReport} document (read back with
 * {@link JsonReport#parse}). The schema of all three documents is {@link JsonReport#SCHEMA_RESOURCE}.
 */
final class ReportFile {

    static final String FORMAT = "bnconsistency-test-report";
    static final int FORMAT_VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern SEGMENT = Pattern.compile("\\[([^:\\]]+):([^\\]]*)]");
    private static final int MAX_NAME = 180;

    private ReportFile() {}

    /** Writes the report of one test into {@code directory} (created if needed) and returns the file. */
    static Path write(
            Path directory,
            ExtensionContext context,
            Settings settings,
            String verdict,
            ModelSource model,
            DataSource data,
            ConsistencyReport report) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("format", FORMAT);
        root.put("formatVersion", FORMAT_VERSION);
        root.put("schemaVersion", JsonReport.SCHEMA_VERSION);
        ObjectNode test = root.putObject("test");
        test.put("uniqueId", context.getUniqueId());
        test.put("displayName", context.getDisplayName());
        test.put("className", context.getRequiredTestClass().getName());
        test.put("methodName", context.getRequiredTestMethod().getName());
        ObjectNode check = root.putObject("check");
        check.put("mode", settings.mode().name());
        check.put("tolerance", settings.tolerance());
        check.put("layerTolerance", settings.layerTolerance());
        check.put("verdict", verdict);
        check.put("model", model.describe());
        check.put("data", data.describe());
        check.put("judgeBy", settings.judgeBy().name());
        check.put("minAgreement", settings.minAgreement());
        if (settings.trainingBatchSize() > 0) {
            check.put("trainingBatchSize", settings.trainingBatchSize());
        } else {
            check.putNull("trainingBatchSize");
        }
        Path file = directory.resolve(fileName(context.getUniqueId()));
        try {
            root.set("report", MAPPER.readTree(JsonReport.render(report)));
            DefaultPrettyPrinter printer =
                    new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"));
            printer.indentArraysWith(new DefaultIndenter("  ", "\n"));
            String json = MAPPER.writer(printer).writeValueAsString(root) + "\n";
            Files.createDirectories(directory);
            Files.write(file, json.getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("The JSON report could not be built", e);
        } catch (IOException e) {
            throw new ExtensionConfigurationException(
                    "Could not write the BatchNorm consistency report " + file + ": "
                            + e + ". Set " + BatchNormConsistency.REPORT_DIRECTORY_KEY
                            + " to a writable directory, or to "
                            + BatchNormConsistency.NO_REPORT_DIRECTORY + " to write no JSON reports.",
                    e);
        }
        return file;
    }

    /**
     * A file name unique per test and stable across runs, from the unique id's segments after the engine's, e.g.
     * {@code com.example.ClassifierTest.learns().json} or {@code com.example.ClassifierTest.Inner.learns(int).#2.json}.
     */
    static String fileName(String uniqueId) {
        List<String> parts = new ArrayList<>();
        Matcher m = SEGMENT.matcher(uniqueId);
        while (m.find()) {
            if (!m.group(1).equals("engine")) {
                parts.add(m.group(2));
            }
        }
        String name = String.join(".", parts).replaceAll("[^A-Za-z0-9._$#(),-]", "_");
        if (name.isEmpty()) {
            name = "test";
        }
        if (name.length() > MAX_NAME) {
            // Keep it within file-system limits; the hash keeps long names apart.
            name = name.substring(0, MAX_NAME) + "-" + Integer.toHexString(uniqueId.hashCode());
        }
        return name + ".json";
    }
}
