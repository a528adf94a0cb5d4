package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.ProbeSummary;

import java.util.ArrayList;
import java.util.List;

/**
 * What one pass over the probe data measured: per BatchNormalization site its input layout and accumulated
 * statistics, and the output comparison (not measured when only the training path ran).
 */
record Measurement(
        String modelType,
        String dataType,
        List<BatchNormSite> sites,
        List<ChannelLayout> layouts,
        List<ChannelStatisticsAccumulator> statistics,
        ProbeSummary probe,
        OutputDivergence output) {

    /** Per-layer findings against the moving statistics the model holds now. */
    List<LayerFinding> findings(double layerTolerance) {
        List<LayerFinding> findings = new ArrayList<>();
        for (int s = 0; s < sites.size(); s++) {
            findings.add(LayerVerdicts.finding(sites.get(s), layouts.get(s), statistics.get(s), layerTolerance));
        }
        return findings;
    }

    ConsistencyReport report(double layerTolerance) {
        return report(findings(layerTolerance), layerTolerance);
    }

    ConsistencyReport report(List<LayerFinding> findings, double layerTolerance) {
        return new ConsistencyReport(modelType, dataType, probe, layerTolerance, findings, output, List.of(), List.of());
    }
}
