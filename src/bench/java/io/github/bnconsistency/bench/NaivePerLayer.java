package io.github.bnconsistency.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The obvious alternative to the single-pass check: for each BatchNormalization layer, feed forward up to the
 * layer's input on the training path and again on the inference path ({@code feedForward(input, layerTillIndex,
 * train, clearInputs)}, which stops at a topological position), then the same per-channel statistics the check
 * computes (mean, biased variance, squared inference drift, in double). This is what localizing each layer costs
 * without one pass that serves every layer.
 */
final class NaivePerLayer {

    private record Site(String input, int topologicalPosition) {}

    private final ComputationGraph graph;
    private final List<Site> sites = new ArrayList<>();

    NaivePerLayer(ComputationGraph graph) {
        this.graph = graph;
        int[] order = graph.topologicalSortOrder();
        GraphVertex[] vertices = graph.getVertices();
        Map<String, List<String>> inputs = graph.getConfiguration().getVertexInputs();
        for (int position = 0; position < order.length; position++) {
            GraphVertex vertex = vertices[order[position]];
            if (graph.getConfiguration().getVertices().get(vertex.getVertexName()) instanceof LayerVertex lv
                    && lv.getLayerConf().getLayer() instanceof BatchNormalization) {
                String input = inputs.get(vertex.getVertexName()).get(0);
                sites.add(new Site(input, positionOf(input, order, vertices)));
            }
        }
    }

    int layers() {
        return sites.size();
    }

    /** The number of layers {@link #run(INDArray, int)} with this stride visits. */
    int layers(int stride) {
        return (sites.size() + stride - 1) / stride;
    }

    /** Runs the per-layer check; returns a checksum so the work cannot be optimized away. */
    double run(INDArray features) {
        return run(features, 1);
    }

    /**
     * Runs the per-layer check on every {@code stride}-th BN layer (in topological order, from the first), for
     * quick mode; {@code stride} 1 is every layer.
     */
    double run(INDArray features, int stride) {
        double checksum = 0;
        for (int i = 0; i < sites.size(); i += stride) {
            Site site = sites.get(i);
            INDArray training = graph.feedForward(new INDArray[] {features}, site.topologicalPosition(), true, true)
                    .get(site.input())
                    .castTo(DataType.DOUBLE);
            INDArray inference = graph.feedForward(new INDArray[] {features}, site.topologicalPosition(), false, true)
                    .get(site.input())
                    .castTo(DataType.DOUBLE);
            int[] axes = {0, 2, 3};
            double[] mean = training.mean(axes).toDoubleVector();
            double[] variance = training.var(false, axes).toDoubleVector();
            INDArray difference = inference.sub(training);
            double[] drift = difference.muli(difference).sum(axes).toDoubleVector();
            checksum += mean[0] + variance[0] + drift[0];
        }
        return checksum;
    }

    private static int positionOf(String name, int[] order, GraphVertex[] vertices) {
        for (int p = 0; p < order.length; p++) {
            if (vertices[order[p]].getVertexName().equals(name)) {
                return p;
            }
        }
        throw new IllegalStateException("no vertex " + name);
    }
}
