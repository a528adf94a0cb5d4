package io.github.bnconsistency.testing;

import java.util.Arrays;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything of a model that a check must leave bit-identical: parameters, updater state, iteration and epoch
 * counts, and the configuration JSON.
 */
public record ModelSnapshot(byte[] parameters, byte[] updaterState, int iterations, int epochs, String configuration) {

    public static ModelSnapshot of(Model model) {
        if (model instanceof MultiLayerNetwork net) {
            return new ModelSnapshot(
                    bytes(net.params()),
                    net.getUpdater(false) == null
                            ? null
                            : bytes(net.getUpdater(false).getStateViewArray()),
                    net.getIterationCount(),
                    net.getEpochCount(),
                    net.getLayerWiseConfigurations().toJson());
        }
        ComputationGraph graph = (ComputationGraph) model;
        return new ModelSnapshot(
                bytes(graph.params()),
                graph.getUpdater(false) == null
                        ? null
                        : bytes(graph.getUpdater(false).getStateViewArray()),
                graph.getIterationCount(),
                graph.getEpochCount(),
                graph.getConfiguration().toJson());
    }

    private static byte[] bytes(INDArray array) {
        return array == null ? null : array.dup().data().asBytes();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSnapshot s
                && Arrays.equals(parameters, s.parameters)
                && Arrays.equals(updaterState, s.updaterState)
                && iterations == s.iterations
                && epochs == s.epochs
                && configuration.equals(s.configuration);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(parameters);
    }

    @Override
    public String toString() {
        return "ModelSnapshot[" + parameters.length + " parameter bytes, "
                + (updaterState == null ? "no" : updaterState.length) + " updater bytes, iterations=" + iterations
                + ", epochs=" + epochs + "]";
    }
}
