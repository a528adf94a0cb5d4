package io.github.bnconsistency.scenario;

import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The study as plain text: one row per (scenario, probe form), the summary counts, then per scenario how the
 * library's own recalibration and the per-example formula compare with the truth.
 */
final class StudyTable {

    private StudyTable() {}

    static String render(List<ScenarioResult> results) {
        StringBuilder sb = new StringBuilder();
        rows(sb, results);
        summary(sb, results);
        recalibration(sb, results);
        return sb.toString();
    }

    private static void rows(StringBuilder sb, List<ScenarioResult> results) {
        sb.append("truth: the model's inference predictions on the validation set (")
                .append(ScenarioData.VALIDATION_EXAMPLES)
                .append(") against its copy recalibrated exactly at the training batch size\n");
        sb.append("agree: validation examples on which the model and its truth copy predict the same class; "
                + "acc: the model's accuracy > the truth copy's; argmax: the report's agreement between inference and "
                + "its reference outputs\n");
        sb.append("layers: C converged, w within noise, N not converged, X corrupted, U unsupported; "
                + "train~: the text report advises 'train ~N more'\n");
        line(
                sb,
                "%-34s %-12s %7s %13s | %-7s | %-7s %8s | %-9s %-6s %6s %-6s %7s",
                "scenario",
                "truth",
                "agree",
                "acc model>trt",
                "probe",
                "matches",
                "max|d|",
                "converged",
                "layers",
                "max D",
                "train~",
                "argmax");
        for (ScenarioResult r : results) {
            TruthComparison t = r.truth();
            for (ProbeForm form : ProbeForm.values()) {
                LibraryVerdicts v = r.verdicts().get(form);
                line(
                        sb,
                        "%-34s %-12s %7s %13s | %-7s | %-7s %8s | %-9s %-6s %6s %-6s %7s",
                        r.scenario().label(),
                        r.label(),
                        t.agreements() + "/" + t.examples(),
                        percent(t.modelAccuracy()) + ">" + percent(t.truthAccuracy()),
                        form.label(r.scenario().batchSize()),
                        v.matchesTraining(),
                        number(v.maxAbsDifference()),
                        v.converged(),
                        v.statusCodes(),
                        number(v.maxDivergence()),
                        v.trainLonger() ? "yes" : "no",
                        percent2(v.argmaxAgreement()));
                if (!v.error().isEmpty()) {
                    sb.append("    error: ").append(v.error()).append('\n');
                }
            }
        }
    }

    private static void summary(StringBuilder sb, List<ScenarioResult> results) {
        StudySummary s = new StudySummary(results);
        sb.append('\n');
        line(
                sb,
                "Scenarios: %d (consistent %d, inconsistent %d, not scored %d)",
                results.size(),
                s.scenarios(TruthLabel.CONSISTENT),
                s.scenarios(TruthLabel.INCONSISTENT),
                s.scenarios(TruthLabel.NOT_SCORED));
        StringBuilder forms = new StringBuilder();
        for (ProbeForm form : ProbeForm.values()) {
            forms.append(String.format(Locale.ROOT, " %-10s", form.name().toLowerCase(Locale.ROOT)));
        }
        line(sb, "%-36s %-8s%s", "misses on inconsistent models", "all", forms);
        for (LibraryCheck check : LibraryCheck.values()) {
            countLine(sb, check.title(), TruthLabel.INCONSISTENT, s, form -> s.misses(check, form));
        }
        line(sb, "%-36s %-8s%s", "false alarms on consistent models", "all", forms);
        for (LibraryCheck check : LibraryCheck.values()) {
            countLine(sb, check.title(), TruthLabel.CONSISTENT, s, form -> s.falseAlarms(check, form));
        }
        line(sb, "%-36s %-8s%s", "'train ~N more' on consistent models", "all", forms);
        countLine(sb, "text report", TruthLabel.CONSISTENT, s, s::trainLongerOnConsistent);
        for (LibraryCheck check : LibraryCheck.values()) {
            line(
                    sb,
                    "scored scenarios whose %s outcome depends on the probe form: %d",
                    check.title(),
                    s.dependsOnProbeForm(check));
        }
        long errors = 0;
        for (LibraryCheck check : LibraryCheck.values()) {
            errors += s.errors(check, null);
        }
        line(sb, "errors (a check threw): %d", errors);
    }

    private interface FormCount {
        long count(ProbeForm form);
    }

    /** {@code count/rows} overall and per probe form. */
    private static void countLine(StringBuilder sb, String title, TruthLabel label, StudySummary s, FormCount count) {
        StringBuilder cells = new StringBuilder();
        for (ProbeForm form : ProbeForm.values()) {
            cells.append(String.format(Locale.ROOT, " %-10s", count.count(form) + "/" + s.rows(label, form)));
        }
        line(sb, "  %-34s %-8s%s", title, count.count(null) + "/" + s.rows(label, null), cells);
    }

    private static void recalibration(StringBuilder sb, List<ScenarioResult> results) {
        sb.append('\n');
        sb.append("Library recalibratedCopy (one shuffled pass over the training data at the training batch size) "
                        + "against the truth (")
                .append(ScenarioStudy.TRUTH_EPOCHS)
                .append(" reshuffled passes), worst channel, " + "max over scenarios:\n");
        line(sb, "  %-16s %10s %10s %10s %10s %10s", "BN layers", "|d mean|", "in sd", "|d var|", "relative", "in SE");
        for (boolean conv : new boolean[] {false, true}) {
            for (boolean first : new boolean[] {true, false}) {
                Predicate<StatisticsGap> group = g -> g.convolutional() == conv && (g.position() == 0) == first;
                List<StatisticsGap> gaps = results.stream()
                        .flatMap(r -> r.libraryRecalibrationGap().stream())
                        .filter(group)
                        .toList();
                if (gaps.isEmpty()) {
                    continue;
                }
                line(
                        sb,
                        "  %-16s %10s %10s %10s %10s %10s",
                        (conv ? "conv " : "dense ") + (first ? "first" : "later"),
                        number(max(gaps, StatisticsGap::meanGap)),
                        number(max(gaps, StatisticsGap::meanGapInSd)),
                        number(max(gaps, StatisticsGap::varianceGap)),
                        number(max(gaps, StatisticsGap::varianceGapRatio)),
                        number(max(gaps, StatisticsGap::varianceGapInSe)));
            }
        }
        sb.append("Per scenario: prediction agreement of the library-recalibrated copy with the truth copy; the "
                + "per-example closed form W + (1 - 1/n) S^2 against the truth (exact on the first BN layer, "
                + "its |d var| in truth SE; later layers: worst relative |d var|); wall times\n");
        line(
                sb,
                "  %-34s %-12s %8s %10s %12s %8s %8s %8s",
                "scenario",
                "truth",
                "recal=",
                "first: SE",
                "later: rel",
                "train s",
                "truth s",
                "checks s");
        for (ScenarioResult r : results) {
            List<StatisticsGap> perExample = r.perExampleGap();
            List<StatisticsGap> later = perExample.subList(1, perExample.size());
            line(
                    sb,
                    "  %-34s %-12s %8s %10s %12s %8.1f %8.1f %8.1f",
                    r.scenario().label(),
                    r.label(),
                    percent2(r.libraryRecalibrationAgreement()),
                    number(perExample.get(0).varianceGapInSe()),
                    later.isEmpty() ? "-" : number(max(later, StatisticsGap::varianceGapRatio)),
                    r.trainSeconds(),
                    r.truthSeconds(),
                    r.checkSeconds());
        }
    }

    private static double max(List<StatisticsGap> gaps, java.util.function.ToDoubleFunction<StatisticsGap> value) {
        return gaps.stream().mapToDouble(value).max().orElse(Double.NaN);
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    private static String percent(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
    }

    /** Two decimals, so that 190/192 (98.96%, below a 99% bar) does not print as 99.0%. */
    private static String percent2(double fraction) {
        return Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }

    /** Three significant digits, as the library's own reports print numbers. */
    private static String number(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, "%.3g", value);
    }
}
