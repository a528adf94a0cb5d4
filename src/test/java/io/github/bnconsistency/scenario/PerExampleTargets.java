package io.github.bnconsistency.scenario;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The target statistics at batch size n in closed form from per-example statistics: for random batches of n
 * drawn without replacement from N examples, {@code E[batch mean] = mean of the per-example means} and
 * {@code E[biased batch variance] = W + (1 - 1/n) S^2}, with W the mean within-example variance of the channel
 * (0 for dense input: one value per example) and S^2 the unbiased variance of the per-example means.
 *
 * <p>Exact for a layer whose input does not depend on the batch, i.e. up to the first BN layer. Later layers are
 * computed here from one training-path pass over all N examples (earlier layers normalized with the statistics
 * of all N, not of each batch), which is only an approximation: {@link BatchAverageTargets} is the truth, and the
 * difference shows how much batch composition matters.
 */
final class PerExampleTargets {

    private PerExampleTargets() {}

    static List<LayerTarget> closedForm(MultiLayerNetwork model, List<DataSet> training, int batchSize) {
        MultiLayerNetwork inDouble = model.convertDataType(DataType.DOUBLE);
        List<Integer> bnLayers = BatchNormInputs.layerIndices(inDouble);
        List<BatchNormInputs.Values> inputs = BatchNormInputs.trainingPath(
                inDouble, bnLayers, DataSet.merge(training).getFeatures().castTo(DataType.DOUBLE));
        List<LayerTarget> targets = new ArrayList<>();
        for (BatchNormInputs.Values input : inputs) {
            targets.add(target(inDouble, input, batchSize));
        }
        return targets;
    }

    private static LayerTarget target(MultiLayerNetwork net, BatchNormInputs.Values input, int n) {
        int examples = input.examples();
        int channels = input.channels();
        int positions = input.positions();
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        for (int c = 0; c < channels; c++) {
            double[] exampleMeans = new double[examples];
            double within = 0;
            for (int e = 0; e < examples; e++) {
                double sum = 0;
                for (int p = 0; p < positions; p++) {
                    sum += input.at(e, c, p);
                }
                exampleMeans[e] = sum / positions;
                double squares = 0;
                for (int p = 0; p < positions; p++) {
                    double d = input.at(e, c, p) - exampleMeans[e];
                    squares += d * d;
                }
                within += squares / positions;
            }
            double grandMean = 0;
            for (double m : exampleMeans) {
                grandMean += m;
            }
            grandMean /= examples;
            double between = 0;
            for (double m : exampleMeans) {
                between += (m - grandMean) * (m - grandMean);
            }
            double unbiasedBetween = between / (examples - 1);
            mean[c] = grandMean;
            variance[c] = within / examples + (1 - 1.0 / n) * unbiasedBetween;
        }
        BatchNormalization conf = (BatchNormalization)
                net.getLayerWiseConfigurations().getConf(input.layerIndex()).getLayer();
        return new LayerTarget(
                input.layerIndex(),
                conf.getLayerName(),
                input.convolutional(),
                conf.getEps(),
                mean,
                variance,
                new double[channels],
                new double[channels]);
    }
}
