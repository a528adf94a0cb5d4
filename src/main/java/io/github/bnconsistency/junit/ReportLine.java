package io.github.bnconsistency.junit;

import static io.github.bnconsistency.report.Numbers.number;
import static io.github.bnconsistency.report.Numbers.percent;

import io.github.bnconsistency.api.internal.ConsistencyChecks;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.Reference;
import io.github.bnconsistency.report.UpdatesNeeded;
import java.util.List;

/**
 * The one line REPORT_ONLY prints per check (Maven Surefire records no report entries, but shows standard output):
 * the verdict, the figure the judgement decided on, then what diverges or that nothing does, with the report's own
 * rounded figures ({@link io.github.bnconsistency.report.Numbers}); the verdict itself comes from the judgement, never
 * from this class. E.g.
 *
 * <pre>
 * [bnconsistency] learns(): DIVERGES: max |train - inference| 0.766, over the tolerance 0.001; root cause bn
 * (D 5.22 over 0.05, ~396 more iterations at decay 0.99); 1 of 1 BatchNormalization layers diverge; report ...
 * </pre>
 *
 * (one line). Nothing diverging reads {@code no BatchNormalization layer diverges (max D 0.0123 of 4 layers, layer
 * tolerance 0.05)}.
 */
final class ReportLine {

    /** The line's prefix. */
    static final String PREFIX = "[bnconsistency] ";

    private ReportLine() {}

    static String of(
            String displayName, boolean consistent, ConsistencyReport report, Settings settings, String reportFile) {
        return PREFIX + displayName + ": " + (consistent ? ReportEntries.CONSISTENT : ReportEntries.DIVERGES) + ": "
                + judgement(consistent, report, settings) + "; " + layers(report)
                + (reportFile == null ? "" : "; report " + reportFile);
    }

    /** The figure the chosen judgement decided on, and the bound it was held to. */
    private static String judgement(boolean consistent, ConsistencyReport report, Settings settings) {
        OutputDivergence output = report.output();
        String outputs = outputs(report);
        return switch (settings.judgeBy()) {
            case OUTPUTS ->
                !output.allFinite()
                        ? outputs
                        : outputs
                                + (!consistent
                                        ? ", over the tolerance "
                                        : output.maxAbsDifference() <= settings.tolerance()
                                                ? ", within the tolerance "
                                                : ", within the noise, over the tolerance ")
                                + number(settings.tolerance());
            case PREDICTIONS -> {
                if (!output.allFinite()) {
                    yield outputs + ", so predictions cannot be compared";
                }
                if (!output.isClassifier()) {
                    yield "the outputs are not class scores, so predictions cannot be compared; " + outputs;
                }
                yield "argmax agreement " + percent(output.argmaxAgreement()) + " (" + output.argmaxAgreements() + "/"
                        + output.classifiedExamples() + ")" + (consistent ? ", at least" : ", below") + " the "
                        + percent(settings.minAgreement()) + " required; " + outputs;
            }
            case STATISTICS ->
                "judged by the layers' statistics (layer tolerance " + number(settings.layerTolerance()) + "); "
                        + outputs;
            case INHERIT -> throw new IllegalStateException("judgeBy is resolved before the check");
        };
    }

    private static String outputs(ConsistencyReport report) {
        OutputDivergence output = report.output();
        String against = report.reference().kind() == Reference.Kind.CONVERGED_STATISTICS ? "reference" : "train";
        if (!output.isMeasured()) {
            return "outputs not compared";
        }
        if (!output.allFinite()) {
            return "inference outputs not finite (" + output.nonFiniteInferenceValues() + " values"
                    + output.firstNonFiniteLayer()
                            .map(layer -> ", from " + layer + " on")
                            .orElse("")
                    + ")";
        }
        return "max |" + against + " - inference| " + number(output.maxAbsDifference())
                + ConsistencyChecks.noise(report)
                        .map(n -> " (noise allows " + number(n.maxAbsDifference()) + ")")
                        .orElse("");
    }

    /** The root cause and how many layers diverge, or that none does. */
    private static String layers(ConsistencyReport report) {
        List<LayerFinding> layers = report.layers();
        if (layers.isEmpty()) {
            return "the model has no BatchNormalization layer";
        }
        List<LayerFinding> diverging = report.divergingLayers();
        String of = diverging.size() + " of " + layers.size() + " BatchNormalization layers diverge";
        if (diverging.isEmpty()) {
            double max = layers.stream()
                    .mapToDouble(LayerFinding::maxDivergence)
                    .filter(d -> !Double.isNaN(d))
                    .max()
                    .orElse(Double.NaN);
            return "no BatchNormalization layer diverges (max D " + number(max) + " of " + layers.size()
                    + (layers.size() == 1 ? " layer" : " layers") + ", layer tolerance "
                    + number(report.layerTolerance()) + ")";
        }
        return report.rootCause()
                .map(root -> "root cause " + root.name() + " (" + figures(root) + "); " + of)
                .orElseGet(() ->
                        of + ", all frozen (first " + diverging.get(0).name() + ": " + figures(diverging.get(0)) + ")");
    }

    private static String figures(LayerFinding layer) {
        String d = "D " + number(layer.maxDivergence()) + " over " + number(layer.tolerance());
        UpdatesNeeded updates = layer.updatesNeeded();
        return switch (updates.kind()) {
            case NONE -> d;
            case ESTIMATE -> d + ", ~" + updates.iterations() + " more iterations at decay " + number(layer.decay());
            case NEVER -> d + ", never converges (" + updates.reason() + ")";
        };
    }
}
