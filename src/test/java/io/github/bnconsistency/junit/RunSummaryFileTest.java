package io.github.bnconsistency.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.junit.BatchNormConsistencyExtensionTest.ConvergedFixture;
import io.github.bnconsistency.junit.BatchNormConsistencyExtensionTest.DivergingFixture;
import io.github.bnconsistency.report.JsonReport;
import io.github.bnconsistency.testing.ReportSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

/**
 * The run's {@code summary.json} beside {@code index.html}: each test's verdict and report files, the counts; it
 * and the per-test files validate against the schema, and broken ones do not.
 */
class RunSummaryFileTest {

    private static final String PREFIX = "io.github.bnconsistency.junit.BatchNormConsistencyExtensionTest$";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void should_list_every_test_of_the_run_with_its_verdict_and_report_files(@TempDir Path reports) throws Exception {
        Fixtures.run(
                List.of(DivergingFixture.class, ConvergedFixture.class),
                BatchNormConsistency.REPORT_DIRECTORY_KEY,
                reports.toString());

        Path file = reports.resolve(RunSummaryFile.NAME);
        assertThat(file).exists().hasFileName("summary.json");
        assertThat(reports.resolve(HtmlReportFiles.INDEX)).exists();
        JsonNode summary = MAPPER.readTree(Files.readString(file));
        assertThat(summary.get("format").asText()).isEqualTo("bnconsistency-run-summary");
        assertThat(summary.get("formatVersion").asInt()).isEqualTo(1);
        assertThat(summary.get("schemaVersion").asText()).isEqualTo(JsonReport.SCHEMA_VERSION);
        assertThat(summary.get("counts").toString()).isEqualTo("{\"tests\":2,\"consistent\":1,\"diverges\":1}");
        JsonNode diverging = summary.get("tests").get(0);
        assertThat(diverging.get("test").asText())
                .isEqualTo("BatchNormConsistencyExtensionTest.DivergingFixture.learns()");
        assertThat(diverging.get("verdict").asText()).isEqualTo("DIVERGES");
        assertThat(diverging.get("rootLayer").asText()).isEqualTo("bn1");
        assertThat(diverging.get("divergingLayers").asInt()).isEqualTo(4);
        assertThat(diverging.get("reportFile").asText()).isEqualTo(PREFIX + "DivergingFixture.learns().json");
        assertThat(diverging.get("htmlReportFile").asText()).isEqualTo(PREFIX + "DivergingFixture.learns().html");
        assertThat(reports.resolve(diverging.get("reportFile").asText())).exists();
        assertThat(reports.resolve(diverging.get("htmlReportFile").asText())).exists();
        JsonNode converged = summary.get("tests").get(1);
        assertThat(converged.get("verdict").asText()).isEqualTo("CONSISTENT");
        assertThat(converged.get("rootLayer").isNull()).isTrue();
        assertThat(converged.get("uniqueId").asText())
                .contains("ConvergedFixture")
                .contains("learns()");
        assertThat(ReportSchema.assertValidFiles(reports))
                .as("two test reports and the summary")
                .isEqualTo(3);
    }

    @Test
    void should_fail_the_schema_for_broken_summary_and_test_report_files(@TempDir Path reports) throws Exception {
        Fixtures.run(DivergingFixture.class, BatchNormConsistency.REPORT_DIRECTORY_KEY, reports.toString());
        String summary = Files.readString(reports.resolve(RunSummaryFile.NAME));
        String testReport = Files.readString(reports.resolve(PREFIX + "DivergingFixture.learns().json"));

        assertInvalid(summary, root -> ((ObjectNode) root.get("tests").get(0)).put("verdict", "MAYBE"), "verdict");
        assertInvalid(summary, root -> ((ObjectNode) root.get("counts")).remove("tests"), "tests");
        assertInvalid(testReport, root -> ((ObjectNode) root.get("check")).remove("verdict"), "verdict");
        assertInvalid(testReport, root -> ((ObjectNode) root.get("check")).put("mode", "OFF"), "mode");
        assertInvalid(testReport, root -> ((ObjectNode) root.get("report")).remove("layers"), "layers");
        assertInvalid(testReport, root -> ((ObjectNode) root.get("test")).put("tags", "x"), "tags");
    }

    private static void assertInvalid(String valid, Consumer<ObjectNode> breakIt, String named) throws Exception {
        assertThat(ReportSchema.errors(valid)).isEmpty();
        ObjectNode root = (ObjectNode) MAPPER.readTree(valid);
        breakIt.accept(root);
        assertThat(ReportSchema.errors(root.toString()))
                .as("the schema's errors for a document broken at %s", named)
                .anySatisfy(error -> assertThat(error).contains(named));
    }
}
