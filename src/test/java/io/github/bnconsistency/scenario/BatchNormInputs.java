package io.github.bnconsistency.scenario;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training-path input of every BatchNormalization layer of a MultiLayerNetwork, read from DL4J's own
 * {@code feedForward(x, true)} and copied into plain double arrays, so that statistics are computed here by
 * loops and not by the library under test. Supports rank-2 ({@code [mb, C]}) and NCHW rank-4 inputs and no
 * input preprocessor in front of a BN layer (the study's models have none).
 */
final class BatchNormInputs {

    private BatchNormInputs() {}

    /**
     * One BN layer's input on one batch: {@code values[(e * channels + c) * positions + p]} for example e,
     * channel c and spatial position p (one position for dense input).
     */
    record Values(int layerIndex, boolean convolutional, int examples, int channels, int positions, double[] values) {

        double at(int example, int channel, int position) {
            return values[(example * channels + channel) * positions + position];
        }
    }

    /** Indices of the network's BatchNormalization layers, in order. */
    static List<Integer> layerIndices(MultiLayerNetwork net) {
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < net.getnLayers(); i++) {
            if (net.getLayerWiseConfigurations().getConf(i).getLayer() instanceof BatchNormalization) {
                if (net.getLayerWiseConfigurations().getInputPreProcess(i) != null) {
                    throw new IllegalArgumentException("layer " + i + " has an input preprocessor; not supported here");
                }
                indices.add(i);
            }
        }
        return indices;
    }

    /** Every BN layer's training-path input for {@code features}, in layer order. */
    static List<Values> trainingPath(MultiLayerNetwork net, List<Integer> bnLayers, INDArray features) {
        // feedForward's index 0 is the input, index i the input of layer i
        List<INDArray> activations = net.feedForward(features, true);
        List<Values> inputs = new ArrayList<>(bnLayers.size());
        for (int index : bnLayers) {
            inputs.add(values(index, activations.get(index)));
        }
        return inputs;
    }

    /** One activation as {@link Values}. */
    static Values values(int layerIndex, INDArray activation) {
        if (activation.rank() != 2 && activation.rank() != 4) {
            throw new IllegalArgumentException("rank " + activation.rank() + " input at layer " + layerIndex);
        }
        int examples = (int) activation.size(0);
        int channels = (int) activation.size(1);
        int positions = activation.rank() == 4 ? (int) (activation.size(2) * activation.size(3)) : 1;
        // a fresh C-order copy has exactly the [example][channel][position] layout, starting at offset 0
        double[] flat = activation.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        if (flat.length != (long) examples * channels * positions) {
            throw new IllegalStateException("unexpected buffer length " + flat.length + " at layer " + layerIndex);
        }
        return new Values(layerIndex, activation.rank() == 4, examples, channels, positions, flat);
    }
}
