package io.github.bnconsistency.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.junit.BatchNormConsistencyExtensionTest.ConvergedFixture;
import io.github.bnconsistency.junit.BatchNormConsistencyExtensionTest.DivergingFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/** The extension's HTML reports: one page beside each JSON report, the run's index, the report entry naming the page. */
class HtmlReportFilesTest {

    private static final String PREFIX = "io.github.bnconsistency.junit.BatchNormConsistencyExtensionTest$";

    @Test
    void should_write_a_page_beside_each_json_report_and_an_index_of_the_run(@TempDir Path reports) throws Exception {
        EngineExecutionResults results = Fixtures.run(
                List.of(DivergingFixture.class, ConvergedFixture.class),
                BatchNormConsistency.REPORT_DIRECTORY_KEY,
                reports.toString());

        results.testEvents()
                .assertStatistics(stats -> stats.started(2).failed(1).succeeded(1));
        Path diverging = reports.resolve(PREFIX + "DivergingFixture.learns().html");
        Path converged = reports.resolve(PREFIX + "ConvergedFixture.learns().html");
        assertThat(reports.resolve(PREFIX + "DivergingFixture.learns().json")).exists();
        assertThat(diverging).exists();
        assertThat(converged).exists();
        List<Map<String, String>> entries = Fixtures.reportEntries(results);
        assertThat(entries)
                .extracting(e -> e.get(ReportEntries.HTML_REPORT_FILE))
                .containsExactly(
                        diverging.toAbsolutePath().toString(),
                        converged.toAbsolutePath().toString());

        Document page = Jsoup.parse(diverging.toFile(), "UTF-8");
        assertThat(page.title())
                .isEqualTo("BatchNormConsistencyExtensionTest.DivergingFixture.learns(): DIVERGES, root cause bn1");
        assertThat(page.selectFirst("#verdict .badge").text()).isEqualTo("DIVERGES");
        assertThat(page.selectFirst("#verdict").text())
                .contains("Root cause: bn1 (BN layer 1 of 4")
                .contains("The outputs differ beyond the test's tolerance 0.001.");
        assertThat(page.select(".context a"))
                .extracting(a -> a.attr("href"))
                .containsExactly("index.html", PREFIX + "DivergingFixture.learns().json");
        assertThat(page.selectFirst("#probe").text()).contains("output tolerance 0.001");
        assertThat(Jsoup.parse(converged.toFile(), "UTF-8")
                        .selectFirst("#verdict .badge")
                        .text())
                .isEqualTo("CONSISTENT");

        Document index = Jsoup.parse(reports.resolve("index.html").toFile(), "UTF-8");
        Elements rows = index.select("#index-table tbody tr");
        assertThat(rows).hasSize(2);
        assertThat(cells(rows.get(0)))
                .containsExactly(
                        "BatchNormConsistencyExtensionTest.DivergingFixture.learns()",
                        "\u2717 DIVERGES",
                        "bn1",
                        cells(rows.get(0)).get(3),
                        "4 of 4",
                        "open");
        assertThat(rows.get(0).selectFirst("a").attr("href")).isEqualTo(PREFIX + "DivergingFixture.learns().html");
        assertThat(Double.parseDouble(rows.get(0).child(3).attr("data-v")))
                .isEqualTo(Double.parseDouble(entries.get(0).get(ReportEntries.MAX_OUTPUT_DIFFERENCE)));
        assertThat(cells(rows.get(1)))
                .startsWith("BatchNormConsistencyExtensionTest.ConvergedFixture.learns()", "\u2713 CONSISTENT", "none");
        assertThat(rows.get(1).selectFirst("a").attr("href")).isEqualTo(PREFIX + "ConvergedFixture.learns().html");
        assertThat(index.selectFirst("#verdict").text()).contains("2 tests checked: 1 diverge, 1 consistent.");
    }

    @Test
    void should_write_no_page_and_no_index_without_a_report_directory() {
        EngineExecutionResults results = Fixtures.run(DivergingFixture.class);

        assertThat(Fixtures.reportEntries(results))
                .singleElement()
                .satisfies(entry -> assertThat(entry)
                        .doesNotContainKeys(ReportEntries.REPORT_FILE, ReportEntries.HTML_REPORT_FILE));
    }

    @Test
    void should_start_the_index_anew_in_every_run(@TempDir Path reports) throws Exception {
        Fixtures.run(DivergingFixture.class, BatchNormConsistency.REPORT_DIRECTORY_KEY, reports.toString());
        Fixtures.run(ConvergedFixture.class, BatchNormConsistency.REPORT_DIRECTORY_KEY, reports.toString());

        assertThat(Jsoup.parse(Files.readString(reports.resolve("index.html"))).select("#index-table tbody tr"))
                .singleElement()
                .satisfies(row -> assertThat(row.text()).contains("ConvergedFixture"));
    }

    private static List<String> cells(Element row) {
        return row.children().eachText();
    }
}
