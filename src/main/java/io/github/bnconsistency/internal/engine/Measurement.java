package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.ProbeSummary;
import io.github.bnconsistency.report.Reference;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one sweep over the probe data measured: per BatchNormalization site its input layout, the accumulated
 * batch statistics of the training-path batches, the per-example statistics, and the raw training-path vs
 * inference output comparison (not measured when only the training path ran, or ran on re-batched data).
 *
 * @param trainingBatches      batches the training path ran on (the probe's own, or re-batched ones)
 * @param uniformBatchSize     the size every training-path batch had, or 0 when they differed
 * @param rebatched            whether the training path ran on the probe examples re-batched to the training size
 * @param inferenceOutputs     the inference outputs of each probe batch, kept when a reference pass is to follow
 * @param firstBatchSize       examples in the probe's first batch
 * @param noiseSamples         how far single training-path batches strayed, for the output noise draws
 * @param iterationCount       the model's iteration count during the sweep (the check never changes it)
 * @param epochCount           the model's epoch count during the sweep
 */
record Measurement(
        String modelType,
        String dataType,
        List<BatchNormSite> sites,
        List<ChannelLayout> layouts,
        List<ChannelStatisticsAccumulator> statistics,
        List<ExampleStatistics> examples,
        ProbeSummary probe,
        OutputDivergence trainingPathOutput,
        long trainingBatches,
        long uniformBatchSize,
        boolean rebatched,
        List<org.nd4j.linalg.api.ndarray.INDArray[]> inferenceOutputs,
        long firstBatchSize,
        NoiseSamples noiseSamples,
        int iterationCount,
        int epochCount) {

    /**
     * Per-layer findings against the moving statistics the model holds now, at the given training batch size; the
     * targets from the batches' own statistics when {@code fromBatches}, else from the per-example statistics.
     */
    List<LayerFinding> findings(double layerTolerance, long trainingBatchSize, boolean fromBatches) {
        List<LayerFinding> findings = new ArrayList<>();
        for (int s = 0; s < sites.size(); s++) {
            findings.add(LayerVerdicts.finding(
                    sites.get(s),
                    layouts.get(s),
                    statistics.get(s),
                    examples.get(s),
                    trainingBatchSize,
                    fromBatches,
                    layerTolerance));
        }
        return findings;
    }

    /** Whether the training-path batches stand for training's at batch size {@code n} (see {@link #findings}). */
    boolean batchesStandForTraining(long n, boolean probeBatchesTaken) {
        return rebatched || probeBatchesTaken || uniformBatchSize == n;
    }

    /** How the targets at batch size {@code n} were measured. */
    io.github.bnconsistency.report.Reference.Targets targets(long n, boolean probeBatchesTaken) {
        return rebatched
                ? io.github.bnconsistency.report.Reference.Targets.REBATCHED
                : batchesStandForTraining(n, probeBatchesTaken)
                        ? io.github.bnconsistency.report.Reference.Targets.PROBE_BATCHES
                        : io.github.bnconsistency.report.Reference.Targets.PER_EXAMPLE;
    }

    ConsistencyReport report(
            List<LayerFinding> findings, double layerTolerance, OutputDivergence output, Reference reference) {
        return report(findings, layerTolerance, output, reference, probe.garbageCollections());
    }

    /** As {@link #report(List, double, OutputDivergence, Reference)}, counting the check's garbage collections. */
    ConsistencyReport report(
            List<LayerFinding> findings,
            double layerTolerance,
            OutputDivergence output,
            Reference reference,
            int garbageCollections) {
        return new ConsistencyReport(
                modelType,
                dataType,
                probe.withGarbageCollections(garbageCollections),
                layerTolerance,
                findings,
                output,
                reference,
                List.of(),
                List.of(),
                iterationCount,
                epochCount,
                Optional.of(Instant.now().truncatedTo(ChronoUnit.MILLIS)));
    }
}
