package io.github.bnconsistency.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TextReportTest {

    @Test
    void numbers_have_three_significant_digits() {
        assertThat(Numbers.number(0.85949)).isEqualTo("0.859");
        assertThat(Numbers.number(50.6459)).isEqualTo("50.6");
        assertThat(Numbers.number(100)).isEqualTo("100");
        assertThat(Numbers.number(0.05)).isEqualTo("0.05");
        assertThat(Numbers.number(123456)).isEqualTo("1.23e+05");
        assertThat(Numbers.number(0.0001234)).isEqualTo("1.23e-04");
        assertThat(Numbers.number(0)).isEqualTo("0");
        assertThat(Numbers.number(Double.NaN)).isEqualTo("NaN");
        assertThat(Numbers.percent(1.0 / 3)).isEqualTo("33.3%");
    }

    @Test
    void a_finding_shared_by_many_layers_names_the_first_few() {
        List<LayerFinding> layers = new ArrayList<>();
        List<LintFinding> lint = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            layers.add(new LayerFinding(
                    "bn" + i,
                    i,
                    "layer index " + i,
                    0.99,
                    1e-3,
                    StatisticsStorage.VARIANCE,
                    ChannelLayout.DENSE,
                    Optional.empty(),
                    false,
                    Optional.empty(),
                    List.of(),
                    LayerStatus.CONVERGED,
                    0.05,
                    UpdatesNeeded.none(),
                    0));
            lint.add(new LintFinding(LintFinding.DECAY_TOO_HIGH, "bn" + i, "decay too high.", "train longer."));
        }
        ConsistencyReport all = report(layers, lint);
        ConsistencyReport some = report(layers, lint.subList(0, 5));

        assertThat(TextReport.diagnosis(all))
                .contains("Why: all 6 layers (bn1, bn2, bn3, ...): decay too high. Fix: train longer.");
        assertThat(TextReport.diagnosis(some)).contains("Why: bn1, bn2, bn3 and 2 more layers: decay too high.");
    }

    private static ConsistencyReport report(List<LayerFinding> layers, List<LintFinding> lint) {
        return new ConsistencyReport(
                "MultiLayerNetwork",
                "FLOAT",
                new ProbeSummary("INDArray", 1, 4, "[4, 3]", 4),
                0.05,
                layers,
                OutputDivergence.notMeasured(),
                Reference.none(4, Reference.BatchSizeSource.PROBE_BATCH_SIZE),
                lint,
                List.of());
    }
}
