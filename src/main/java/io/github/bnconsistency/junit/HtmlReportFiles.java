package io.github.bnconsistency.junit;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.HtmlReport;
import io.github.bnconsistency.report.LayerFinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * Writes the per-test HTML report ({@link HtmlReport}) beside the JSON one, same name ending in {@code .html}, and
 * rewrites the run's {@value #INDEX} and {@value RunSummaryFile#NAME} ({@link RunSummaryFile}) in that directory
 * after every check: one row per test checked in this run (this JVM), in the order they finished. The index is kept
 * in the root context's store, so it lives as long as the run and parallel tests add to it in turn.
 */
final class HtmlReportFiles {

    /** The run's index page in the report directory. */
    static final String INDEX = "index.html";

    private static final Namespace NAMESPACE = Namespace.create(HtmlReportFiles.class);

    private HtmlReportFiles() {}

    /** Writes the test's page beside {@code jsonFile}, adds the test to the index and rewrites it; returns the page. */
    static Path write(
            ExtensionContext context, Settings settings, boolean consistent, ConsistencyReport report, Path jsonFile) {
        Path directory = jsonFile.toAbsolutePath().normalize().getParent();
        String jsonName = jsonFile.getFileName().toString();
        String htmlName = jsonName.substring(0, jsonName.length() - ".json".length()) + ".html";
        Path page = directory.resolve(htmlName);
        String test = testName(context);
        Map<String, String> links = new LinkedHashMap<>();
        links.put("all tests of this run", INDEX);
        links.put("JSON report", jsonName);
        try {
            HtmlReport.write(report, new HtmlReport.TestCheck(test, consistent, settings.tolerance(), links), page);
            HtmlReport.IndexEntry entry = new HtmlReport.IndexEntry(
                    test,
                    consistent,
                    report.rootCause().map(LayerFinding::name).orElse(""),
                    report.output().maxAbsDifference(),
                    report.divergingLayers().size(),
                    report.layers().size(),
                    htmlName);
            index(context).add(directory, new RunSummaryFile.Row(context.getUniqueId(), jsonName, entry));
        } catch (UncheckedIOException e) {
            throw new ExtensionConfigurationException(
                    "Could not write the BatchNorm consistency HTML report in "
                            + directory + ": " + e.getCause() + ". Set " + BatchNormConsistency.REPORT_DIRECTORY_KEY
                            + " to a writable directory, or to " + BatchNormConsistency.NO_REPORT_DIRECTORY
                            + " to write no reports.",
                    e);
        }
        return page;
    }

    /** E.g. {@code ClassifierTest.learns()}, or {@code ClassifierTest.learns(int) [2] 0.5} for an invocation. */
    static String testName(ExtensionContext context) {
        Method method = context.getRequiredTestMethod();
        String name = Names.of(context.getRequiredTestClass()) + "." + method.getName() + "("
                + Arrays.stream(method.getParameterTypes())
                        .map(Class::getSimpleName)
                        .collect(Collectors.joining(", "))
                + ")";
        String display = context.getDisplayName();
        return display.equals(method.getName() + "()") || name.endsWith("." + display) ? name : name + " " + display;
    }

    // Store.computeIfAbsent exists only from JUnit 5.13; the deprecated method does the same, atomically.
    @SuppressWarnings("deprecation")
    private static Index index(ExtensionContext context) {
        ExtensionContext root = context.getRoot();
        return root.getStore(NAMESPACE).getOrComputeIfAbsent(Index.class, key -> new Index(), Index.class);
    }

    /** The tests checked in this run, per report directory. */
    static final class Index {
        private final Map<Path, Map<String, RunSummaryFile.Row>> byDirectory = new HashMap<>();

        synchronized void add(Path directory, RunSummaryFile.Row row) {
            Map<String, RunSummaryFile.Row> rows = byDirectory.computeIfAbsent(directory, d -> new LinkedHashMap<>());
            rows.put(row.uniqueId(), row);
            List<RunSummaryFile.Row> all = new ArrayList<>(rows.values());
            String html = HtmlReport.index(
                    "BatchNorm consistency: " + rows.size() + (rows.size() == 1 ? " test" : " tests"),
                    all.stream().map(RunSummaryFile.Row::entry).toList());
            try {
                Files.writeString(directory.resolve(INDEX), html, StandardCharsets.UTF_8);
                Files.writeString(
                        directory.resolve(RunSummaryFile.NAME), RunSummaryFile.render(all), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
