package io.github.bnconsistency.junit;

import static io.github.bnconsistency.report.Numbers.number;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.OutputDivergence;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * REPORT_ONLY's line: what diverges (the root cause, its divergence and the iterations it still needs, how many
 * layers diverge) or that nothing does, and the figure the verdict was judged on, all rounded as the reports round.
 */
class ReportLineTest {

    private static final ConsistencyReport DIVERGING = Fixtures.inspect(
            Fixtures.Story.DIVERGING, Fixtures.Story.data(), BatchNormConsistency.DEFAULT_LAYER_TOLERANCE);
    private static final ConsistencyReport CONVERGED = Fixtures.inspect(
            Fixtures.Story.CONVERGED, Fixtures.Story.data(), BatchNormConsistency.DEFAULT_LAYER_TOLERANCE);

    private static Settings settings(JudgeBy judgeBy) {
        return new Settings(1e-3, 0.05, Mode.REPORT_ONLY, null, 0, judgeBy, 0.99);
    }

    @Test
    void should_name_the_root_cause_with_its_figures_and_round_every_number() {
        LayerFinding bn1 = DIVERGING.rootCause().orElseThrow();
        double max = DIVERGING.output().maxAbsDifference();

        String line = ReportLine.of("learns()", false, DIVERGING, settings(JudgeBy.OUTPUTS), "/r/x.json");

        assertThat(line)
                .isEqualTo("[bnconsistency] learns(): DIVERGES: max |train - inference| " + number(max)
                        + ", over the tolerance 0.001; root cause bn1 (D " + number(bn1.maxDivergence())
                        + " over 0.05, ~" + bn1.updatesNeeded().iterations() + " more iterations at decay 0.99); 4 of 4"
                        + " BatchNormalization layers diverge; report /r/x.json")
                .doesNotContain(Double.toString(max))
                .doesNotContainPattern("\\d\\.\\d{4,}");
    }

    @Test
    void should_say_that_nothing_diverges() {
        double maxD = CONVERGED.layers().stream()
                .mapToDouble(LayerFinding::maxDivergence)
                .max()
                .orElseThrow();

        String line = ReportLine.of("learns()", true, CONVERGED, settings(JudgeBy.OUTPUTS), null);

        assertThat(line)
                .isEqualTo("[bnconsistency] learns(): CONSISTENT: max |train - inference| "
                        + number(CONVERGED.output().maxAbsDifference())
                        + ", within the tolerance 0.001; no BatchNormalization layer diverges (max D " + number(maxD)
                        + " of 4 layers, layer tolerance 0.05)");
    }

    @Test
    void should_say_where_outputs_stop_being_finite_whatever_the_judgement() {
        OutputDivergence o = DIVERGING.output();
        ConsistencyReport nonFinite = new ConsistencyReport(
                DIVERGING.modelType(),
                DIVERGING.dataType(),
                DIVERGING.probe(),
                DIVERGING.layerTolerance(),
                DIVERGING.layers(),
                new OutputDivergence(
                        o.examples(),
                        o.comparedValues(),
                        Double.POSITIVE_INFINITY,
                        Double.NaN,
                        0,
                        36,
                        Optional.of("layer index 5"),
                        o.classifiedExamples(),
                        0,
                        0,
                        0,
                        0,
                        Optional.empty()),
                DIVERGING.reference(),
                DIVERGING.lint(),
                DIVERGING.fixes());

        assertThat(ReportLine.of("learns()", false, nonFinite, settings(JudgeBy.OUTPUTS), null))
                .startsWith("[bnconsistency] learns(): DIVERGES: inference outputs not finite (36 values, from layer"
                        + " index 5 on); root cause bn1 (");
        assertThat(ReportLine.of("learns()", false, nonFinite, settings(JudgeBy.PREDICTIONS), null))
                .contains(": DIVERGES: inference outputs not finite (36 values, from layer index 5 on), so predictions"
                        + " cannot be compared; root cause bn1 (");
    }

    @Test
    void should_give_the_figure_of_the_chosen_judgement() {
        assertThat(ReportLine.of("learns()", false, DIVERGING, settings(JudgeBy.PREDICTIONS), null))
                .contains(": DIVERGES: argmax agreement "
                        + number(100 * DIVERGING.output().argmaxAgreement()) + "% ("
                        + DIVERGING.output().argmaxAgreements()
                        + "/12), below the 99% required; max |train - inference| ")
                .contains("; root cause bn1 (");
        assertThat(ReportLine.of("learns()", false, DIVERGING, settings(JudgeBy.STATISTICS), null))
                .contains(
                        ": DIVERGES: judged by the layers' statistics (layer tolerance 0.05); max |train - inference| ");
    }
}
