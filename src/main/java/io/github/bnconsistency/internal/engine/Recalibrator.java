package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.Reference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;

/**
 * Sets BatchNormalization moving statistics to what the moving average would converge to on the probe data:
 * {@code mu*} and {@code v*}, the unweighted averages over mini-batches of the training-path batch mean and biased
 * batch variance. Training-path inputs do not depend on moving statistics, so one training-path pass serves every
 * layer; except after a frozen layer, which normalizes with its moving statistics in training too: rewriting one
 * takes another pass for the layers after it.
 */
public final class Recalibrator {

    /**
     * What a recalibration did.
     *
     * @param before       the layers against their old moving statistics (outputs not compared)
     * @param after        the layers against the new moving statistics, read back from the model
     * @param recalibrated names of the layers whose statistics were written
     * @param skipped      layers left alone, with the reason
     */
    public record Result(
            ConsistencyReport before, ConsistencyReport after, List<String> recalibrated, Map<String, String> skipped) {
        public Result {
            recalibrated = List.copyOf(recalibrated);
            skipped = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(skipped));
        }
    }

    private Recalibrator() {}

    /**
     * @param trainingBatchSize the batch size to calibrate for (the probe examples are re-batched to it when the
     *                          data can be read again), or 0 for the probe's own batches
     */
    public static Result recalibrate(
            Model model, ProbeData data, boolean includeFrozen, double layerTolerance, int trainingBatchSize) {
        Tolerances.requireValid(layerTolerance, "layer tolerance");
        ConsistencyEngine.requireValidBatchSize(trainingBatchSize);
        ConsistencyEngine.Sweep sweep =
                new ConsistencyEngine.Sweep(false, data != null && data.replayable() ? trainingBatchSize : 0, false);
        return ConsistencyEngine.withModel(model, data, adapter -> {
            GarbagePolicy garbage = new GarbagePolicy(true);
            Measurement measurement = ConsistencyEngine.measure(adapter, data, sweep, garbage);
            long n = trainingBatchSize > 0 ? trainingBatchSize : Math.max(2, measurement.firstBatchSize());
            boolean fromBatches = measurement.batchesStandForTraining(n, trainingBatchSize == 0);
            Reference reference = Reference.none(
                    (int) n,
                    trainingBatchSize > 0
                            ? Reference.BatchSizeSource.GIVEN
                            : Reference.BatchSizeSource.PROBE_BATCH_SIZE,
                    measurement.targets(n, trainingBatchSize == 0));
            List<LayerFinding> before = measurement.findings(layerTolerance, n, fromBatches);
            requireReplayableIfFrozenAreRewritten(data, measurement.sites(), before, includeFrozen);
            List<LayerFinding> current = before;
            List<LayerFinding> after = new ArrayList<>();
            List<String> recalibrated = new ArrayList<>();
            Map<String, String> skipped = new LinkedHashMap<>();
            for (int s = 0; s < before.size(); s++) {
                BatchNormSite site = measurement.sites().get(s);
                LayerFinding finding = current.get(s);
                String reason = skipReason(finding, includeFrozen);
                if (reason != null) {
                    skipped.put(site.name(), reason);
                    after.add(finding);
                    continue;
                }
                double[] mean = finding.channels().stream()
                        .mapToDouble(c -> c.batchMean())
                        .toArray();
                double[] variance = finding.channels().stream()
                        .mapToDouble(c -> c.batchVariance())
                        .toArray();
                site.writeMovingStatistics(mean, variance);
                recalibrated.add(site.name());
                after.add(LayerVerdicts.withMovingStatistics(finding, site.movingMean(), site.movingVariance()));
                if (site.frozen() && s + 1 < before.size()) {
                    // a frozen layer normalizes with its moving statistics on the training path too: the layers
                    // after it now receive other inputs, so measure again before calibrating them
                    current = ConsistencyEngine.measure(adapter, data, sweep, garbage)
                            .findings(layerTolerance, n, fromBatches);
                }
            }
            return new Result(
                    measurement.report(before, layerTolerance, OutputDivergence.notMeasured(), reference),
                    measurement.report(after, layerTolerance, OutputDivergence.notMeasured(), reference),
                    recalibrated,
                    skipped);
        });
    }

    /** Refuses before anything is written when a frozen layer with layers after it would need the data twice. */
    private static void requireReplayableIfFrozenAreRewritten(
            ProbeData data, List<BatchNormSite> sites, List<LayerFinding> findings, boolean includeFrozen) {
        if (data.replayable()) {
            return;
        }
        for (int s = 0; s + 1 < sites.size(); s++) {
            if (sites.get(s).frozen() && skipReason(findings.get(s), includeFrozen) == null) {
                throw new IllegalArgumentException("Recalibrating frozen layer '"
                        + sites.get(s).name() + "' changes "
                        + "the inputs of the layers after it, which must then be measured again, but the probe data ("
                        + data.description() + ") can be read only once. Pass a DataSet, an INDArray or an iterator "
                        + "that supports reset, or leave frozen layers out (RecalibrationOptions.defaults()).");
            }
        }
    }

    private static String skipReason(LayerFinding finding, boolean includeFrozen) {
        if (finding.unmeasured().isPresent() || finding.channels().isEmpty()) {
            return "not measured: " + finding.unmeasured().orElse("no data reached it");
        }
        if (finding.frozen() && !includeFrozen) {
            return "frozen: left as is (recalibrate frozen layers only on purpose, with "
                    + "RecalibrationOptions.defaults().includingFrozenLayers())";
        }
        return null;
    }
}
