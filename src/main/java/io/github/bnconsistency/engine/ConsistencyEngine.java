package io.github.bnconsistency.engine;

import io.github.bnconsistency.ProbeBatch;
import io.github.bnconsistency.ProbeData;
import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.ProbeSummary;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the check: for each probe batch one training-path and one inference-path forward pass, per-layer
 * statistics from those same two passes, then the diagnosis. Holds nothing of a batch once it is counted,
 * so memory stays flat however much probe data there is.
 */
public final class ConsistencyEngine {

    private ConsistencyEngine() {
    }

    /**
     * Checks {@code model} on {@code data}. The model's parameters, updater state, counters, configuration and
     * random-number stream are left exactly as they were.
     *
     * @throws IllegalArgumentException for a null or uninitialized model, missing or empty data, or data the
     *                                  model rejects (the message names the batch and the shapes)
     */
    public static ConsistencyReport inspect(Model model, ProbeData data, double layerTolerance) {
        Diagnosis.requireValidTolerance(layerTolerance, "layer tolerance");
        ModelAdapter adapter = ModelAdapter.of(model);
        if (data == null) {
            throw new IllegalArgumentException("The probe data is null: pass the data to check the model on.");
        }
        // DL4J networks are not safe for concurrent forward passes; checks of one model take turns.
        synchronized (model) {
            adapter.begin();
            try {
                return run(adapter, data, layerTolerance);
            } finally {
                adapter.end();
            }
        }
    }

    private static ConsistencyReport run(ModelAdapter adapter, ProbeData data, double layerTolerance) {
        List<BatchNormSite> sites = adapter.sites();
        ChannelStatisticsAccumulator[] statistics = new ChannelStatisticsAccumulator[sites.size()];
        ChannelLayout[] layouts = new ChannelLayout[sites.size()];
        Arrays.fill(layouts, ChannelLayout.UNKNOWN);
        for (int s = 0; s < statistics.length; s++) {
            statistics[s] = new ChannelStatisticsAccumulator(sites.get(s).channels());
        }
        OutputComparison outputs = new OutputComparison();
        int[] batches = {0};
        long[] examples = {0};
        String[] firstShape = {""};

        data.forEachBatch(batch -> {
            INDArray[] features = adapter.features(batch);
            ForwardPass training = pass(adapter, features, true, batch);
            ForwardPass inference = pass(adapter, features, false, batch);
            for (int s = 0; s < statistics.length; s++) {
                BatchNormSite site = sites.get(s);
                INDArray trainingInput = training.inputOf(site);
                if (layouts[s] == ChannelLayout.UNKNOWN) {
                    layouts[s] = BatchMoments.layoutOf(trainingInput, site.config().getCnn2DFormat());
                }
                if (layouts[s].isSupported()) {
                    INDArray inferenceInput = adapter.inferenceInputReadable(site) ? inference.inputOf(site) : null;
                    BatchMoments moments = BatchMoments.of(trainingInput, inferenceInput, layouts[s]);
                    statistics[s].addBatch(moments.mean(), moments.variance(), moments.squaredDrift(),
                            moments.valuesPerChannel());
                }
            }
            outputs.add(training.outputs(), inference.outputs(), batch.labels(), inference);
            if (batches[0] == 0) {
                firstShape[0] = batch.shapeDescription();
            }
            batches[0]++;
            examples[0] += batch.examples();
        });
        if (batches[0] == 0) {
            throw new IllegalArgumentException("The probe data (" + data.description() + ") yielded no batch: "
                    + "nothing to compare. Pass a non-empty iterator (or reset it before the check).");
        }

        List<LayerFinding> findings = new ArrayList<>();
        for (int s = 0; s < statistics.length; s++) {
            findings.add(Diagnosis.finding(sites.get(s), layouts[s], statistics[s], layerTolerance));
        }
        return new ConsistencyReport(adapter.modelType(), adapter.dataType().name(),
                new ProbeSummary(data.description(), batches[0], examples[0], firstShape[0]),
                layerTolerance, findings, outputs.result());
    }

    private static ForwardPass pass(ModelAdapter adapter, INDArray[] features, boolean training, ProbeBatch batch) {
        try {
            return adapter.forward(features, training);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("The " + adapter.modelType() + " could not run probe batch "
                    + batch.index() + " (features " + ModelAdapter.shapes(features) + ") on the "
                    + (training ? "training" : "inference") + " path: " + e.getMessage()
                    + " Check that the probe data has the shape, channel order and data the model was trained on.", e);
        }
    }
}
