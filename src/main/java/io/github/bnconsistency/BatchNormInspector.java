package io.github.bnconsistency;

import io.github.bnconsistency.internal.diagnosis.Remedies;
import io.github.bnconsistency.internal.engine.ConsistencyEngine;
import io.github.bnconsistency.internal.engine.LayerVerdicts;
import io.github.bnconsistency.lint.BatchNormLint;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * The plain entry point, for use outside tests: checks a {@code MultiLayerNetwork} or {@code ComputationGraph}
 * on probe data and returns the report. Nothing in the model changes.
 *
 * <pre>{@code
 * ConsistencyReport report = BatchNormInspector.inspect(model, validationIterator);
 * System.out.println(TextReport.render(report));
 * }</pre>
 */
public final class BatchNormInspector {

    private BatchNormInspector() {}

    /**
     * Checks {@code model} on {@code data} with the given options.
     *
     * @param model a MultiLayerNetwork or ComputationGraph
     * @param data the probe data
     * @param options the per-layer tolerance
     * @return the report: per-layer findings, the output comparison and the lint findings
     */
    public static ConsistencyReport inspect(Model model, ProbeData data, InspectionOptions options) {
        if (options == null) {
            throw new IllegalArgumentException("The inspection options are null: use InspectionOptions.defaults().");
        }
        ConsistencyReport report = ConsistencyEngine.inspect(
                model,
                data,
                options.layerTolerance(),
                options.trainingBatchSize(),
                options.doublePrecisionCheck(),
                options.outputNoise(),
                options.outputNoiseBand(),
                options.garbageCollection());
        return Remedies.decided(report.withLint(BatchNormLint.check(model, report)));
    }

    /**
     * The same report with every layer judged at another per-layer tolerance, without running the model again (the
     * measured statistics stay; statuses, updates needed and the counts of channels off are decided anew).
     *
     * <pre>{@code
     * ConsistencyReport strict = BatchNormInspector.atLayerTolerance(report, 0.01);
     * }</pre>
     *
     * @param report a report made by {@link #inspect}
     * @param layerTolerance the normalized divergence above which a layer counts as off, a positive finite number
     * @return a new report; {@code report} is left as it is
     */
    public static ConsistencyReport atLayerTolerance(ConsistencyReport report, double layerTolerance) {
        if (report == null) {
            throw new IllegalArgumentException("The report is null: pass a report made by BatchNormInspector.inspect.");
        }
        return Remedies.decided(LayerVerdicts.withLayerTolerance(report, layerTolerance));
    }

    /**
     * One layer's finding judged at another tolerance, as {@link #atLayerTolerance(ConsistencyReport, double)}.
     *
     * @param layer one layer of a report
     * @param layerTolerance the normalized divergence above which a layer counts as off, a positive finite number
     * @return a new finding; {@code layer} is left as it is
     */
    public static LayerFinding atLayerTolerance(LayerFinding layer, double layerTolerance) {
        if (layer == null) {
            throw new IllegalArgumentException("The layer finding is null: pass one from a report's layers().");
        }
        return LayerVerdicts.withTolerance(layer, layerTolerance);
    }

    /**
     * Checks {@code model} on {@code data} with the default options.
     *
     * @param model a MultiLayerNetwork or ComputationGraph
     * @param data the probe data
     * @return the report: per-layer findings, the output comparison and the lint findings
     */
    public static ConsistencyReport inspect(Model model, ProbeData data) {
        return inspect(model, data, InspectionOptions.defaults());
    }

    /**
     * Checks {@code model} on one batch of features.
     *
     * @param model a MultiLayerNetwork or ComputationGraph
     * @param features the features of one mini-batch, for a model with one input
     * @return the report: per-layer findings, the output comparison and the lint findings
     */
    public static ConsistencyReport inspect(Model model, INDArray features) {
        return inspect(model, ProbeData.of(features));
    }

    /**
     * Checks {@code model} on one batch with labels.
     *
     * @param model a MultiLayerNetwork or ComputationGraph
     * @param data one mini-batch with labels
     * @return the report: per-layer findings, the output comparison and the lint findings
     */
    public static ConsistencyReport inspect(Model model, DataSet data) {
        return inspect(model, ProbeData.of(data));
    }

    /**
     * Checks {@code model} on every batch of the iterator (consumed once, reset afterwards if it can be).
     *
     * @param model a MultiLayerNetwork or ComputationGraph
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @return the report: per-layer findings, the output comparison and the lint findings
     */
    public static ConsistencyReport inspect(Model model, DataSetIterator data) {
        return inspect(model, ProbeData.of(data));
    }

    /**
     * Checks a graph on one multi-input batch.
     *
     * @param model a ComputationGraph
     * @param data one mini-batch for a graph with one or more inputs
     * @return the report: per-layer findings, the output comparison and the lint findings
     */
    public static ConsistencyReport inspect(Model model, MultiDataSet data) {
        return inspect(model, ProbeData.of(data));
    }

    /**
     * Checks a graph on every batch of the iterator (consumed once, reset afterwards if it can be).
     *
     * @param model a ComputationGraph
     * @param data the iterator whose every mini-batch is probed, consumed once
     * @return the report: per-layer findings, the output comparison and the lint findings
     */
    public static ConsistencyReport inspect(Model model, MultiDataSetIterator data) {
        return inspect(model, ProbeData.of(data));
    }
}
