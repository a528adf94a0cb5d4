package io.github.bnconsistency.scenario;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training path of many mini-batches in one pass: the examples of several batches of n, concatenated, run
 * layer by layer through DL4J's own layers, except that every BatchNormalization layer is computed here and
 * normalizes each group of n consecutive examples with that group's own mean and biased variance, as DL4J's
 * training forward does ({@code (x - m) / sqrt(v + eps) * gamma + beta}). Every other layer acts on each example
 * alone, so running it on all groups at once gives what it gives on each batch. One pass per epoch instead of
 * one per batch keeps a truth averaged over many epochs cheap, also at batch size 4.
 *
 * <p>Runs up to the last BN layer only; the layers before it must need no input preprocessor (the study's models
 * have none).
 */
final class GroupedTrainingPath {

    private final MultiLayerNetwork net;
    private final List<Integer> bnLayers;
    private final int lastBnLayer;

    /** {@code net} should be in DOUBLE (see {@link MultiLayerNetwork#convertDataType}); it is not changed. */
    GroupedTrainingPath(MultiLayerNetwork net) {
        this.net = net;
        this.bnLayers = BatchNormInputs.layerIndices(net);
        this.lastBnLayer = bnLayers.get(bnLayers.size() - 1);
        for (int i = 0; i <= lastBnLayer; i++) {
            if (net.getLayerWiseConfigurations().getInputPreProcess(i) != null) {
                throw new IllegalArgumentException("layer " + i + " has an input preprocessor; not supported here");
            }
        }
    }

    List<Integer> bnLayers() {
        return bnLayers;
    }

    /**
     * Every BN layer's input for {@code features} (groups of {@code batchSize} consecutive examples, each normalized
     * on its own), in layer order.
     */
    List<BatchNormInputs.Values> bnInputs(INDArray features, int batchSize) {
        if (features.size(0) % batchSize != 0) {
            throw new IllegalArgumentException(features.size(0) + " examples do not split into groups of " + batchSize);
        }
        LayerWorkspaceMgr noWorkspaces = LayerWorkspaceMgr.noWorkspaces();
        List<BatchNormInputs.Values> inputs = new ArrayList<>();
        INDArray activation = features.castTo(DataType.DOUBLE);
        for (int i = 0; i <= lastBnLayer; i++) {
            Layer layer = net.getLayer(i);
            if (bnLayers.contains(i)) {
                BatchNormInputs.Values input = BatchNormInputs.values(i, activation);
                inputs.add(input);
                activation = normalizeGroups(layer, input, batchSize, activation.shape());
            } else {
                activation = layer.activate(activation, true, noWorkspaces);
            }
        }
        return inputs;
    }

    /** The BN layer's training output: each group normalized with its own mean and biased variance. */
    private INDArray normalizeGroups(Layer layer, BatchNormInputs.Values input, int batchSize, long[] shape) {
        BatchNormalization conf = (BatchNormalization) layer.conf().getLayer();
        double[] gamma = new double[input.channels()];
        double[] beta = new double[input.channels()];
        if (conf.isLockGammaBeta()) {
            java.util.Arrays.fill(gamma, conf.getGamma());
            java.util.Arrays.fill(beta, conf.getBeta());
        } else {
            gamma = layer.getParam(BatchNormalizationParamInitializer.GAMMA)
                    .castTo(DataType.DOUBLE)
                    .dup('c')
                    .data()
                    .asDouble();
            beta = layer.getParam(BatchNormalizationParamInitializer.BETA)
                    .castTo(DataType.DOUBLE)
                    .dup('c')
                    .data()
                    .asDouble();
        }
        double[] out = new double[input.values().length];
        for (int start = 0; start < input.examples(); start += batchSize) {
            double[][] moments = GroupMoments.of(input, start, batchSize);
            for (int e = start; e < start + batchSize; e++) {
                for (int c = 0; c < input.channels(); c++) {
                    double scale = gamma[c] / Math.sqrt(moments[1][c] + conf.getEps());
                    for (int p = 0; p < input.positions(); p++) {
                        int k = (e * input.channels() + c) * input.positions() + p;
                        out[k] = (input.values()[k] - moments[0][c]) * scale + beta[c];
                    }
                }
            }
        }
        return Nd4j.create(out, shape, 'c');
    }
}
