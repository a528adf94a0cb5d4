package io.github.bnconsistency.scenario;

import io.github.bnconsistency.testing.TinyNetworks;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads and writes a BN layer's moving statistics directly in its parameters (keys {@code mean} and {@code var}
 * or {@code log10stdev}, with {@code var = (10^log10stdev)^2}), independently of the library under test. The
 * study's models have no frozen layers, so the layer is the BN layer itself.
 */
final class BatchNormParams {

    private BatchNormParams() {}

    /** The moving mean and the decoded moving variance: {@code [0]} mean, {@code [1]} variance, per channel. */
    static double[][] read(Layer layer) {
        double[] mean = vector(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
        double[] variance;
        if (layer.paramTable().containsKey(BatchNormalizationParamInitializer.GLOBAL_VAR)) {
            variance = vector(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR));
        } else {
            variance = vector(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD));
            for (int c = 0; c < variance.length; c++) {
                double std = Math.pow(10, variance[c]);
                variance[c] = std * std;
            }
        }
        return new double[][] {mean, variance};
    }

    /** A clone of {@code model} whose BN layers hold the given targets (in the layer's storage and data type). */
    static MultiLayerNetwork copyWith(MultiLayerNetwork model, List<LayerTarget> targets) {
        MultiLayerNetwork copy = model.clone();
        for (LayerTarget target : targets) {
            TinyNetworks.setMovingStatistics(copy.getLayer(target.layerIndex()), target.mean(), target.variance());
        }
        return copy;
    }

    private static double[] vector(INDArray param) {
        return param.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }
}
