package io.github.bnconsistency.internal.diagnosis;

import static io.github.bnconsistency.report.Numbers.number;

import io.github.bnconsistency.lint.BatchNormLint;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LintFinding;
import io.github.bnconsistency.report.UpdatesNeeded;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one place that decides what a report advises: from the layer verdicts and the lint findings to the fixes,
 * most direct first. Renderers only print {@link ConsistencyReport#fixes()}.
 */
public final class Remedies {

    private Remedies() {}

    /** The report with its fixes decided from its layers and lint findings. */
    public static ConsistencyReport decided(ConsistencyReport report) {
        return report.withFixes(fixes(report.divergingLayers(), report.lint()));
    }

    static List<String> fixes(List<LayerFinding> diverging, List<LintFinding> lint) {
        if (diverging.isEmpty()) {
            return List.of();
        }
        List<String> fixes = new ArrayList<>();
        if (lint.stream().anyMatch(f -> f.rule().equals(LintFinding.UNREPRESENTATIVE_PROBE_BATCHES))) {
            fixes.add("first probe with batches drawn as training draws them (these verdicts may reflect only how the "
                    + "probe batches were composed)");
        }
        diverging.stream()
                .filter(l -> l.updatesNeeded().kind() == UpdatesNeeded.Kind.ESTIMATE)
                .max(Comparator.comparingLong(l -> l.updatesNeeded().iterations()))
                .ifPresent(slowest -> {
                    fixes.add("train ~" + slowest.updatesNeeded().iterations() + " more iterations (at decay "
                            + number(slowest.decay()) + ", with the weights settled)");
                    if (slowest.decay() > BatchNormLint.SUGGESTED_DECAY) {
                        // the divergence depends on decay^k only, so k scales with 1/log(decay)
                        long faster = (long) Math.ceil(slowest.updatesNeeded().iterations()
                                * Math.log(slowest.decay())
                                / Math.log(BatchNormLint.SUGGESTED_DECAY));
                        fixes.add("lower decay to " + number(BatchNormLint.SUGGESTED_DECAY) + " (~" + faster
                                + " iterations)");
                    }
                });
        fixes.add("recalibrate the moving statistics on representative data (BatchNormRecalibration.recalibrate)");
        return fixes;
    }
}
