package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.Reference;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A check in named steps: measure the statistics (the training path on training-size batches, the inference path
 * on the probe's), decide the training batch size, judge each layer against the target statistics at that size,
 * and compare the inference outputs with the reference: the outputs of the model normalizing with those targets.
 * One probe batch of the training size needs two passes (its training path is the reference); otherwise a reference
 * pass on a parameter copy follows, when the data can be read again.
 */
final class Inspection {

    private final ModelAdapter adapter;
    private final ProbeData data;
    private final double layerTolerance;

    private Inspection(ModelAdapter adapter, ProbeData data, double layerTolerance) {
        this.adapter = adapter;
        this.data = data;
        this.layerTolerance = layerTolerance;
    }

    static ConsistencyReport run(ModelAdapter adapter, ProbeData data, double layerTolerance, int trainingBatchSize) {
        return new Inspection(adapter, data, layerTolerance).run(trainingBatchSize);
    }

    private ConsistencyReport run(int given) {
        // re-batching needs a second read of the data for the inference outputs
        long rebatchTo = data.replayable() ? given : 0;
        Measurement measurement = ConsistencyEngine.measure(
                adapter, data, new ConsistencyEngine.Sweep(true, rebatchTo, data.replayable()));
        BatchSizeDecision size = BatchSizeDecision.decide(given, measurement, measurement.firstBatchSize());
        boolean probeBatchesTaken = size.source() == Reference.BatchSizeSource.PROBE_BATCH_SIZE;
        List<LayerFinding> findings = measurement.findings(
                layerTolerance, size.size(), measurement.batchesStandForTraining(size.size(), probeBatchesTaken));
        Reference.Targets targets = measurement.targets(size.size(), probeBatchesTaken);
        boolean trainingPathIsReference = !measurement.rebatched()
                && measurement.probe().batches() == 1
                && measurement.uniformBatchSize() == size.size();
        if (trainingPathIsReference || !data.replayable()) {
            Reference.Kind kind =
                    trainingPathIsReference ? Reference.Kind.TRAINING_PATH : Reference.Kind.TRAINING_PATH_PER_BATCH;
            OutputDivergence raw = measurement.trainingPathOutput();
            return measurement.report(
                    findings,
                    layerTolerance,
                    raw,
                    new Reference(kind, (int) size.size(), size.source(), targets, size.estimate(), raw));
        }
        ReferenceSweep reference = referenceSweep(measurement, findings);
        if (measurement.rebatched()) {
            findings = reference.withDrift(findings);
        }
        OutputDivergence output = reference.outputs.result(measurement.trainingPathOutput());
        return measurement.report(
                findings,
                layerTolerance,
                output,
                new Reference(
                        Reference.Kind.CONVERGED_STATISTICS,
                        (int) size.size(),
                        size.source(),
                        targets,
                        size.estimate(),
                        measurement.trainingPathOutput()));
    }

    /** What the reference sweep measured: outputs against the reference, and input drift when re-batched. */
    private static final class ReferenceSweep {
        final OutputComparison outputs = new OutputComparison();
        final double[][] squaredDrift;
        final long[] values;

        ReferenceSweep(List<BatchNormSite> sites) {
            squaredDrift = new double[sites.size()][];
            values = new long[sites.size()];
            for (int s = 0; s < sites.size(); s++) {
                squaredDrift[s] = new double[sites.get(s).channels()];
            }
        }

        /** The findings with the drift measured against the reference inputs (re-batched training inputs do not align). */
        List<LayerFinding> withDrift(List<LayerFinding> findings) {
            List<LayerFinding> result = new ArrayList<>();
            for (int s = 0; s < findings.size(); s++) {
                LayerFinding f = findings.get(s);
                List<ChannelFinding> channels = new ArrayList<>();
                for (ChannelFinding c : f.channels()) {
                    double rms = values[s] == 0 ? Double.NaN : Math.sqrt(squaredDrift[s][c.channel()] / values[s]);
                    channels.add(c.withInferenceInputDrift(rms / Math.sqrt(c.batchVariance() + f.eps())));
                }
                result.add(f.withChannels(channels));
            }
            return result;
        }
    }

    /**
     * The reference pass: a parameter copy with each measured, updating layer's moving statistics set to its target
     * (frozen layers keep theirs: they normalize with them in training too), run on the inference path next to the
     * model's inference outputs.
     */
    private ReferenceSweep referenceSweep(Measurement measurement, List<LayerFinding> findings) {
        ModelAdapter reference = adapter.parameterCopy();
        List<BatchNormSite> sites = reference.sites();
        for (int s = 0; s < sites.size(); s++) {
            LayerFinding f = findings.get(s);
            if (!f.frozen() && f.unmeasured().isEmpty() && !f.channels().isEmpty()) {
                sites.get(s)
                        .writeMovingStatistics(
                                f.channels().stream()
                                        .mapToDouble(ChannelFinding::batchMean)
                                        .toArray(),
                                f.channels().stream()
                                        .mapToDouble(ChannelFinding::batchVariance)
                                        .toArray());
            }
        }
        ReferenceSweep sweep = new ReferenceSweep(adapter.sites());
        int[] index = {0};
        data.forEachBatch(batch -> {
            INDArray[] features = adapter.features(batch);
            ForwardPass referencePass = reference.forward(features, false);
            List<INDArray[]> kept = measurement.inferenceOutputs();
            INDArray[] inferenceOutputs = index[0] < kept.size() ? kept.get(index[0]) : null;
            ForwardPass inferencePass = null;
            if (inferenceOutputs == null || measurement.rebatched()) {
                inferencePass = adapter.forward(features, false);
                inferenceOutputs = inferencePass.outputs();
            }
            sweep.outputs.add(referencePass.outputs(), inferenceOutputs, batch.labels(), inferencePass);
            if (measurement.rebatched()) {
                for (int s = 0; s < sites.size(); s++) {
                    BatchNormSite site = adapter.sites().get(s);
                    if (measurement.layouts().get(s).isSupported() && adapter.inferenceInputReadable(site)) {
                        // inputOf applies the site's preprocessor: read each input once
                        INDArray inferenceInput = inferencePass.inputOf(site);
                        double[] d = BatchMoments.squaredDrift(
                                inferenceInput,
                                referencePass.inputOf(sites.get(s)),
                                measurement.layouts().get(s));
                        for (int c = 0; c < d.length; c++) {
                            sweep.squaredDrift[s][c] += d[c];
                        }
                        sweep.values[s] += inferenceInput.length() / d.length;
                    }
                }
            }
            index[0]++;
        });
        return sweep;
    }
}
