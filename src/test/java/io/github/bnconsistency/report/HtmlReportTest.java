package io.github.bnconsistency.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.report.HtmlReportSamples.Sample;
import io.github.bnconsistency.testing.TinyNetworks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.select.Elements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The HTML report's structure, parsed with jsoup: what the page says, and that it can load nothing. */
class HtmlReportTest {

    private static Document parse(ConsistencyReport report) {
        return Jsoup.parse(HtmlReport.render(report));
    }

    @Test
    void the_story_page_leads_with_the_verdict_the_root_cause_and_the_text_reports_fix() {
        ConsistencyReport report = Sample.STORY.report();
        Document page = parse(report);

        Element verdict = page.selectFirst("#verdict");
        assertThat(verdict.selectFirst(".badge").text()).isEqualTo("DIVERGES");
        String diagnosis = TextReport.diagnosis(report);
        String rootLine = diagnosis
                .lines()
                .filter(l -> l.startsWith("Root cause: "))
                .findFirst()
                .orElseThrow();
        String fixLine =
                diagnosis.lines().filter(l -> l.startsWith("Fix: ")).findFirst().orElseThrow();
        assertThat(verdict.selectFirst("h1").text()).isEqualTo("DIVERGES" + rootLine);
        assertThat(page.selectFirst("#fix").text()).isEqualTo(fixLine);
        assertThat(verdict.select(".why li"))
                .hasSize(1)
                .first()
                .satisfies(li -> assertThat(li.text())
                        .startsWith("Why: bn1, bn2, bn3, bn4: decay 0.99 after 10 training iterations"));
        assertThat(page.title()).isEqualTo("BatchNorm consistency: root cause bn1");
        assertThat(page.select("#outputs .tile").eachText())
                .contains("training-path accuracy 100%", "inference accuracy 33.3%", "argmax agreement 4/12 (33.3%)");
        assertThat(page.selectFirst("#outputs p").text()).contains(TextReport.outputSummary(report.output()));
    }

    @Test
    void the_chart_has_one_bar_per_layer_in_topological_order_with_status_labels_and_the_root_marked() {
        ConsistencyReport report = Sample.STORY.report();
        Document page = parse(report);

        Elements bars = page.select("#layer-chart g.bar");
        assertThat(bars.eachAttr("data-layer")).containsExactly("bn1", "bn2", "bn3", "bn4");
        assertThat(bars.eachAttr("data-status")).containsOnly("NOT_CONVERGED");
        assertThat(bars.select("text.glyph").eachText()).containsOnly("\u2717");
        assertThat(page.select("#layer-chart g.bar.root"))
                .singleElement()
                .satisfies(bar -> assertThat(bar.attr("data-layer")).isEqualTo("bn1"));
        assertThat(page.select("#layer-chart text.rootmark").text()).isEqualTo("root cause \u25bc");
        assertThat(page.select("#layer-chart a").eachAttr("href"))
                .containsExactly("#layer-1", "#layer-2", "#layer-3", "#layer-4");
        assertThat(page.select("#layer-chart text.tol-label").text()).isEqualTo("layer tolerance 0.05");
        assertThat(page.select(".legend").text()).contains("\u2717 not converged", "noise floor (sampling alone)");
        // one probe batch still has a noise floor, from its examples: one tick per layer
        assertThat(page.select("#layer-chart line.nf")).hasSize(4);
    }

    @Test
    void the_root_layers_channels_are_open_one_point_per_channel_with_those_over_tolerance_apart() {
        ConsistencyReport report = Sample.STORY.report();
        LayerFinding root = report.rootCause().orElseThrow();
        Document page = parse(report);

        Elements details = page.select("#channels details.layer");
        assertThat(details).hasSize(4);
        assertThat(details.stream().filter(d -> d.hasAttr("open")).map(d -> d.attr("id")))
                .containsExactly("layer-1");
        Element detail = page.selectFirst("#layer-" + root.position());
        assertThat(detail.attr("data-channels")).isEqualTo("8");
        assertThat(detail.selectFirst(".channel-count").text()).isEqualTo("8 channels");
        for (String plot : List.of("svg.mean", "svg.variance")) {
            Element svg = detail.selectFirst(plot);
            assertThat(points(svg, "pt-ok") + points(svg, "pt-over")).as(plot).isEqualTo(root.channelCount());
            assertThat(points(svg, "pt-over")).as(plot).isEqualTo(root.channelsOff());
        }
        assertThat(detail.select("table.channels tbody tr")).hasSize(8);
        assertThat(detail.select("table.channels tbody tr.over")).hasSize(root.channelsOff());
        assertThat(detail.selectFirst("table.channels tbody td").text())
                .isEqualTo(Integer.toString(root.worstChannel().channel()));
    }

    @Test
    void the_table_lists_every_layer_with_sort_keys() {
        ConsistencyReport report = Sample.STORY.report();
        Document page = parse(report);

        Elements rows = page.select("#layer-table tbody tr");
        assertThat(rows.eachAttr("data-layer")).containsExactly("bn1", "bn2", "bn3", "bn4");
        assertThat(page.select("#layer-table tbody tr.root").eachAttr("data-layer"))
                .containsExactly("bn1");
        LayerFinding bn3 = report.layer("bn3").orElseThrow();
        Element row = rows.get(2);
        assertThat(row.child(4).attr("data-v")).isEqualTo(Double.toString(bn3.maxDivergence()));
        assertThat(row.child(4).text()).isEqualTo(Numbers.number(bn3.maxDivergence()));
        assertThat(row.child(2).text()).isEqualTo("\u2717 not converged");
        assertThat(page.select("table.sortable")).isNotEmpty();
    }

    @Test
    void a_resnet50_page_has_53_bars_noise_floors_and_says_where_activations_explode() {
        ConsistencyReport report = Sample.RESNET50.report();
        Document page = parse(report);

        assertThat(page.select("#layer-chart g.bar")).hasSize(53);
        assertThat(page.select("#layer-chart g.bar.root").eachAttr("data-layer"))
                .containsExactly(report.rootCause().orElseThrow().name());
        long measuredNoise =
                report.layers().stream().filter(l -> l.noiseFloor() > 0).count();
        assertThat(measuredNoise).isPositive();
        assertThat(page.select("#layer-chart line.nf")).hasSize((int) measuredNoise);
        LayerFinding firstExploded = report.layers().stream()
                .filter(l -> l.maxInferenceInputDrift() > TextReport.BLOW_UP)
                .findFirst()
                .orElseThrow();
        assertThat(page.selectFirst("#drift").text())
                .startsWith("Activations explode from " + firstExploded.name() + " (BN layer "
                        + firstExploded.position() + ") on");
        assertThat(page.select("#layer-chart rect.d-exploded")).isNotEmpty();
        // a blow-up reads as words in the table, not as 1e+17
        assertThat(page.select("#layer-table tbody tr")
                        .get(firstExploded.position() - 1)
                        .child(10)
                        .text())
                .startsWith("exploded");
        assertThat(page.select("#outputs .tile").eachText()).contains("max |train \u2212 inference| not finite");
        assertThat(page.select("#lint details tbody tr")).hasSize(report.lint().size());
        assertThat(page.select("#layer-table tbody tr")).hasSize(53);
    }

    @Test
    void a_hostile_layer_name_is_text_everywhere() {
        String html = HtmlReport.render(Sample.HOSTILE.report());
        Document page = Jsoup.parse(html);

        assertThat(page.select("script")).hasSize(1);
        assertThat(page.select("img, b:containsOwn(bold)")).isEmpty();
        assertThat(page.selectFirst("#verdict h1").text())
                .contains("Root cause: " + HtmlReportSamples.HOSTILE_NAME + " (BN layer 1");
        assertThat(page.title()).isEqualTo("BatchNorm consistency: root cause " + HtmlReportSamples.HOSTILE_NAME);
        assertThat(page.select("#layer-chart g.bar").attr("data-layer")).isEqualTo(HtmlReportSamples.HOSTILE_NAME);
        assertThat(page.select("#layer-table tbody tr a").text()).isEqualTo(HtmlReportSamples.HOSTILE_NAME);
        assertThat(html)
                .doesNotContain("<script>document")
                .doesNotContain("<img")
                .contains("&amp;amp;");
    }

    @ParameterizedTest
    @EnumSource(Sample.class)
    void a_page_refers_to_nothing_outside_itself_and_its_policy_allows_only_its_own_style_and_script(Sample sample)
            throws Exception {
        Document page = parse(sample.report());

        assertThat(page.select("link, iframe, object, embed, img, video, audio, source, [src], [srcset]"))
                .isEmpty();
        assertThat(page.select("[href]").eachAttr("href"))
                .allSatisfy(href -> assertThat(href).startsWith("#"));
        assertThat(page.select("[style]")).isEmpty();
        assertThat(page.select("style").html()).doesNotContain("url(", "@import");
        String policy =
                page.selectFirst("meta[http-equiv=Content-Security-Policy]").attr("content");
        assertThat(policy).startsWith("default-src 'none'; ");
        assertThat(policy)
                .contains("script-src 'sha256-"
                        + sha256(page.selectFirst("script").data()) + "'")
                .contains(
                        "style-src 'sha256-" + sha256(page.selectFirst("style").data()) + "'");
        // the SVG's own url(#hatch) is a fragment of the page itself
        Matcher urls =
                Pattern.compile("url\\(([^)]*)\\)").matcher(page.select("svg").outerHtml());
        while (urls.find()) {
            assertThat(urls.group(1)).startsWith("#");
        }
    }

    @Test
    void a_test_check_heads_the_page_with_its_verdict_tolerance_and_links() {
        ConsistencyReport report = Sample.STORY.report();
        Document page = Jsoup.parse(HtmlReport.render(
                report,
                new HtmlReport.TestCheck(
                        "ClassifierTest.learns()",
                        false,
                        1e-3,
                        Map.of("JSON report", "ClassifierTest.learns().json"))));

        assertThat(page.title()).isEqualTo("ClassifierTest.learns(): DIVERGES, root cause bn1");
        assertThat(page.selectFirst("#verdict").hasClass("fail")).isTrue();
        assertThat(page.selectFirst("#verdict").text())
                .contains("The outputs differ beyond the test's tolerance 0.001.");
        assertThat(page.select(".context a"))
                .singleElement()
                .satisfies(a -> assertThat(a.attr("href")).isEqualTo("ClassifierTest.learns().json"));

        Document passed = Jsoup.parse(HtmlReport.render(report, new HtmlReport.TestCheck("T.t()", true, 1, Map.of())));
        assertThat(passed.selectFirst("#verdict").hasClass("warn")).isTrue();
        assertThat(passed.selectFirst("#verdict .badge").text()).isEqualTo("CONSISTENT");
        assertThat(passed.selectFirst("#verdict").text()).contains("Layers diverge all the same");
    }

    @Test
    void a_recalibrated_model_reads_converged_and_a_model_without_batch_norm_says_so() {
        ConsistencyReport after = BatchNormRecalibration.recalibratedCopy(
                        HtmlReportSamples.hostileModel(), HtmlReportSamples.hostileData())
                .after();
        Document converged = parse(after);
        assertThat(converged.selectFirst("#verdict").hasClass("pass")).isTrue();
        assertThat(converged.selectFirst("#verdict .badge").text()).isEqualTo("CONVERGED");
        assertThat(converged.selectFirst("#verdict h1").text()).contains("converged moving statistics");
        assertThat(converged.select("#layer-chart g.bar.root, .rootbadge")).isEmpty();
        assertThat(converged.select("details.layer[open]")).isEmpty();

        MultiLayerNetwork plain = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
        plain.init();
        Document none = parse(BatchNormInspector.inspect(plain, HtmlReportSamples.hostileData()));
        assertThat(none.selectFirst("#verdict h1").text()).contains("has no BatchNormalization layer");
        assertThat(none.select("#layer-chart, #channels, #layer-table")).isEmpty();
        assertThat(none.selectFirst("#outputs .tile .v").text()).isEqualTo("0");
    }

    @Test
    void a_layer_with_corrupted_statistics_reads_corrupted_by_label_and_hatching() {
        MultiLayerNetwork model = HtmlReportSamples.hostileModel();
        TinyNetworks.setMovingStatistics(
                model.getLayer(1), new double[] {0, 0, Double.NaN, 0, 0, 0}, new double[] {1, 1, 1, 1, 1, 1});
        ConsistencyReport report = BatchNormInspector.inspect(model, HtmlReportSamples.hostileData());
        Document page = parse(report);

        assertThat(report.layers().get(0).status()).isEqualTo(LayerStatus.CORRUPTED);
        Element bar = page.selectFirst("#layer-chart g.bar");
        assertThat(bar.attr("data-status")).isEqualTo("CORRUPTED");
        assertThat(bar.selectFirst("text.glyph").text()).isEqualTo("!");
        assertThat(bar.selectFirst("rect.b").attr("fill")).isEqualTo("url(#hatch)");
        assertThat(page.select(".legend").text()).contains("! corrupted");
        assertThat(page.selectFirst("#layer-1").text()).contains("Corrupted stored statistics in channels [2].");
        assertThat(page.selectFirst("#layer-1 svg.mean path").attr("d")).doesNotContain("NaN");
    }

    @Test
    void write_creates_the_directories_and_writes_utf8(@TempDir Path directory) throws Exception {
        Path file = HtmlReport.write(Sample.HOSTILE.report(), directory.resolve("a/b/report.html"));

        assertThat(Files.readString(file, StandardCharsets.UTF_8))
                .startsWith("<!DOCTYPE html>")
                .contains("<meta charset=\"utf-8\">")
                .contains("\u2717 not converged");
    }

    @Test
    void the_index_lists_each_test_with_its_verdict_root_layer_difference_and_link() {
        Document index = Jsoup.parse(HtmlReport.index(
                "run",
                List.of(
                        new HtmlReport.IndexEntry(
                                "A.a()", false, "<bn1>", Double.POSITIVE_INFINITY, 4, 4, "A.a().html"),
                        new HtmlReport.IndexEntry("B.b()", true, "", 1e-6, 0, 2, "B.b().html"))));

        Elements rows = index.select("#index-table tbody tr");
        assertThat(rows.get(0).children().eachText())
                .containsExactly("A.a()", "\u2717 DIVERGES", "<bn1>", "Infinity", "4 of 4", "open");
        assertThat(rows.get(1).children().eachText())
                .containsExactly("B.b()", "\u2713 CONSISTENT", "none", "1.00e-06", "0 of 2", "open");
        assertThat(index.select("a").eachAttr("href")).containsExactly("A.a().html", "B.b().html");
        assertThat(index.selectFirst("#verdict").text()).contains("2 tests checked: 1 diverge, 1 consistent.");
    }

    private static int points(Element svg, String css) {
        Element path = svg.selectFirst("path." + css);
        return path == null ? 0 : path.attr("d").split("M", -1).length - 1;
    }

    private static String sha256(String text) throws Exception {
        return Base64.getEncoder()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
