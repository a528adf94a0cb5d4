package io.github.bnconsistency.testing;

import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Batch statistics of BatchNormalization inputs computed by plain loops over DL4J's own training-mode
 * activations: an independent way to know what "converged" moving statistics are.
 */
public final class HandStatistics {

    private HandStatistics() {}

    /** {@code [example][channel][position]} values of a rank-2 or NCHW rank-4 activation. */
    public static double[][][] values(INDArray activation) {
        INDArray a = activation.castTo(DataType.DOUBLE);
        int n = (int) a.size(0);
        int channels = (int) a.size(1);
        int positions = a.rank() == 4 ? (int) (a.size(2) * a.size(3)) : 1;
        double[][][] values = new double[n][channels][positions];
        for (int e = 0; e < n; e++) {
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < positions; p++) {
                    values[e][c][p] =
                            a.rank() == 4 ? a.getDouble(e, c, p / a.size(3), p % a.size(3)) : a.getDouble(e, c);
                }
            }
        }
        return values;
    }

    /**
     * Sets every BatchNormalization layer of {@code target} to the batch statistics its input has on
     * {@code reference}'s training path for {@code features} (reference: the same weights, without dropout).
     * The MultiLayerNetwork must have no input preprocessor in front of a BatchNormalization layer.
     */
    public static void setMovingStatisticsToBatchStatistics(
            MultiLayerNetwork target, MultiLayerNetwork reference, INDArray features) {
        List<INDArray> activations = reference.feedForward(features, true);
        Layer[] layers = target.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] instanceof BatchNormalization) {
                double[][] stats = TinyNetworks.meanAndBiasedVariance(values(activations.get(i)));
                TinyNetworks.setMovingStatistics(layers[i], stats[0], stats[1]);
            }
        }
    }

    /**
     * Per-channel mean and biased variance of the input of the graph's layer {@code bnName} (fed by vertex
     * {@code inputVertex}, no preprocessor) on the graph's training path.
     */
    public static double[][] graphInputStatistics(
            ComputationGraph graph, org.nd4j.linalg.api.ndarray.INDArray[] features, String inputVertex) {
        Map<String, INDArray> activations = graph.feedForward(features, true);
        return TinyNetworks.meanAndBiasedVariance(values(activations.get(inputVertex)));
    }

    /** Sets every listed BatchNormalization vertex of {@code graph} to its input's batch statistics on {@code features}. */
    public static void setGraphMovingStatistics(
            ComputationGraph graph, INDArray[] features, Map<String, String> bnToInput) {
        Map<String, INDArray> activations = graph.feedForward(features, true);
        bnToInput.forEach((bn, input) -> {
            double[][] stats = TinyNetworks.meanAndBiasedVariance(values(activations.get(input)));
            TinyNetworks.setMovingStatistics(graph.getLayer(bn), stats[0], stats[1]);
        });
    }
}
