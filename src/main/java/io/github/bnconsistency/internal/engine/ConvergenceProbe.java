package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.report.LayerFinding;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-layer divergence from activations a training forward pass already produced (what a DL4J training listener
 * receives in {@code onForwardPass}): the batch statistics of each BatchNormalization input against the moving
 * statistics the layer holds at that moment. No forward pass of its own.
 */
public final class ConvergenceProbe {

    private final Model model;
    private final ModelAdapter adapter;
    private final double layerTolerance;

    public ConvergenceProbe(Model model, double layerTolerance) {
        Tolerances.requireValid(layerTolerance, "layer tolerance");
        this.model = model;
        this.adapter = ModelAdapter.of(model);
        this.layerTolerance = layerTolerance;
    }

    /** Whether this probe was made for {@code other}. */
    public boolean isFor(Model other) {
        return other == model;
    }

    /** The model's iteration count now. */
    public int iterationCount() {
        return adapter.iterationCount();
    }

    /** The model's epoch count now. */
    public int epochCount() {
        return adapter.epochCount();
    }

    /** Findings from a MultiLayerNetwork's training activations (index 0 the input, i+1 layer i's output). */
    public List<LayerFinding> findings(List<INDArray> activations) {
        if (!(adapter instanceof MultiLayerNetworkAdapter network)) {
            throw new IllegalStateException(
                    "Activations as a list come from a MultiLayerNetwork, but this probe watches a "
                            + adapter.modelType() + ".");
        }
        return findings(network.passOf(activations));
    }

    /** Findings from a ComputationGraph's training activations, by vertex name. */
    public List<LayerFinding> findings(Map<String, INDArray> activations) {
        if (!(adapter instanceof ComputationGraphAdapter graph)) {
            throw new IllegalStateException("Activations by vertex name come from a ComputationGraph, but this probe "
                    + "watches a " + adapter.modelType() + ".");
        }
        return findings(graph.passOf(activations));
    }

    /**
     * The update audit of one iteration: {@code before} are this probe's findings from the iteration's forward pass
     * (its batch statistics, the moving statistics then), compared with the moving statistics now, after the
     * update (one read of each layer's moving statistics). A layer whose own dropout acts on its input is not
     * judged: the activations show its input before that dropout, not what DL4J's update saw.
     */
    public List<UpdateAudit.Result> audit(List<LayerFinding> before) {
        List<UpdateAudit.Result> results = new ArrayList<>();
        List<BatchNormSite> sites = adapter.sites();
        for (int i = 0; i < sites.size() && i < before.size(); i++) {
            BatchNormSite site = sites.get(i);
            LayerFinding finding = before.get(i);
            if (!finding.name().equals(site.name()) || finding.channels().isEmpty() || dropsOutItsOwnInput(site)) {
                results.add(UpdateAudit.unmeasured(finding));
                continue;
            }
            DataType type = site.layer()
                    .getParam(org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN)
                    .dataType();
            results.add(UpdateAudit.of(finding, site.movingMean(), site.movingVariance(), type));
        }
        return results;
    }

    /** Dropout set on the BatchNormalization layer itself (Keras imports carry a {@code Dropout(1.0)}, which keeps all). */
    private static boolean dropsOutItsOwnInput(BatchNormSite site) {
        IDropout dropout = site.config().getIDropout();
        return dropout != null && !(dropout instanceof Dropout d && d.getPSchedule() == null && d.getP() == 1.0);
    }

    @SuppressWarnings("try") // the try opens a workspace scope; its variable is never read
    private List<LayerFinding> findings(ForwardPass pass) {
        List<LayerFinding> findings = new ArrayList<>();
        // the activations may live in the training workspace; the statistics are copied out of it
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            for (BatchNormSite site : adapter.sites()) {
                INDArray input = pass.inputOf(site);
                var layout = BatchMoments.layoutOf(input, site.config().getCnn2DFormat());
                ChannelStatisticsAccumulator statistics = new ChannelStatisticsAccumulator(site.channels());
                ExampleStatistics examples = new ExampleStatistics(site.channels());
                if (layout.isSupported()) {
                    BatchMoments moments = BatchMoments.inPass(input, layout);
                    statistics.addBatch(
                            moments.mean(), moments.variance(), moments.squaredDrift(), moments.valuesPerChannel());
                    examples.add(moments.exampleMeans(), moments.exampleVariances(), moments.examples());
                }
                // the batch being trained on is the target; its noise floor comes from its own examples
                long batchSize = Math.max(2, input.size(0));
                findings.add(
                        LayerVerdicts.finding(site, layout, statistics, examples, batchSize, true, layerTolerance));
            }
        }
        return findings;
    }
}
