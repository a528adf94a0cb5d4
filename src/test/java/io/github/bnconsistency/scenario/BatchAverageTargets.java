package io.github.bnconsistency.scenario;

import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The study's truth: each BN layer's target statistics at the training batch size, estimated the way the moving
 * average itself averages, over many random training-size batches, but with far more batches than the moving
 * average remembers. Computed on a DOUBLE copy of the model, with statistics summed here in double.
 *
 * <p>Why batches and not only per-example statistics: a layer after another BN layer sees inputs normalized with
 * each batch's own statistics, so its input depends on which examples share the batch. The per-example formula
 * ({@link PerExampleTargets}) is exact for the first BN layer only. Training-path inputs do not depend on moving
 * statistics, so one training-path pass per batch serves every layer at once.
 */
final class BatchAverageTargets {

    private BatchAverageTargets() {
    }

    /**
     * Averages batch mean and biased batch variance over {@code epochs} reshufflings of {@code training} into
     * batches of {@code batchSize}. The standard errors come from the spread of the per-epoch averages (the
     * epochs are independent shufflings; batches within one are not independent).
     */
    static List<LayerTarget> estimate(MultiLayerNetwork model, List<DataSet> training, int batchSize, int epochs,
                                      Random random) {
        if (epochs < 2) {
            throw new IllegalArgumentException("at least 2 epochs are needed for a standard error, got " + epochs);
        }
        MultiLayerNetwork inDouble = model.convertDataType(DataType.DOUBLE);
        List<Integer> bnLayers = BatchNormInputs.layerIndices(inDouble);
        Accumulator[] layers = null;
        ShufflingIterator batches = new ShufflingIterator(training, batchSize, random);
        for (int epoch = 0; epoch < epochs; epoch++) {
            batches.reset();
            while (batches.hasNext()) {
                List<BatchNormInputs.Values> inputs = BatchNormInputs.trainingPath(inDouble, bnLayers,
                        batches.next().getFeatures().castTo(DataType.DOUBLE));
                if (layers == null) {
                    layers = new Accumulator[inputs.size()];
                    for (int l = 0; l < layers.length; l++) {
                        layers[l] = new Accumulator(inputs.get(l).channels());
                    }
                }
                for (int l = 0; l < layers.length; l++) {
                    layers[l].addBatch(inputs.get(l));
                }
            }
            for (Accumulator layer : layers) {
                layer.endEpoch();
            }
        }
        List<LayerTarget> targets = new ArrayList<>();
        for (int l = 0; l < layers.length; l++) {
            int index = bnLayers.get(l);
            targets.add(layers[l].target(index, inDouble, epochs));
        }
        return targets;
    }

    /** Per-channel sums of batch statistics within the current epoch and of per-epoch averages across epochs. */
    private static final class Accumulator {
        private final int channels;
        private final double[] epochMean;
        private final double[] epochVariance;
        private int epochBatches;
        private boolean convolutional;
        private final double[] sumMean;
        private final double[] sumSquaresMean;
        private final double[] sumVariance;
        private final double[] sumSquaresVariance;

        Accumulator(int channels) {
            this.channels = channels;
            epochMean = new double[channels];
            epochVariance = new double[channels];
            sumMean = new double[channels];
            sumSquaresMean = new double[channels];
            sumVariance = new double[channels];
            sumSquaresVariance = new double[channels];
        }

        void addBatch(BatchNormInputs.Values input) {
            convolutional = input.convolutional();
            long count = (long) input.examples() * input.positions();
            for (int c = 0; c < channels; c++) {
                double sum = 0;
                for (int e = 0; e < input.examples(); e++) {
                    for (int p = 0; p < input.positions(); p++) {
                        sum += input.at(e, c, p);
                    }
                }
                double mean = sum / count;
                double squares = 0;
                for (int e = 0; e < input.examples(); e++) {
                    for (int p = 0; p < input.positions(); p++) {
                        double d = input.at(e, c, p) - mean;
                        squares += d * d;
                    }
                }
                epochMean[c] += mean;
                epochVariance[c] += squares / count; // biased, as DL4J normalizes with
            }
            epochBatches++;
        }

        void endEpoch() {
            for (int c = 0; c < channels; c++) {
                double mean = epochMean[c] / epochBatches;
                double variance = epochVariance[c] / epochBatches;
                sumMean[c] += mean;
                sumSquaresMean[c] += mean * mean;
                sumVariance[c] += variance;
                sumSquaresVariance[c] += variance * variance;
                epochMean[c] = 0;
                epochVariance[c] = 0;
            }
            epochBatches = 0;
        }

        LayerTarget target(int layerIndex, MultiLayerNetwork net, int epochs) {
            double[] mean = new double[channels];
            double[] variance = new double[channels];
            double[] meanError = new double[channels];
            double[] varianceError = new double[channels];
            for (int c = 0; c < channels; c++) {
                mean[c] = sumMean[c] / epochs;
                variance[c] = sumVariance[c] / epochs;
                meanError[c] = standardError(sumMean[c], sumSquaresMean[c], epochs);
                varianceError[c] = standardError(sumVariance[c], sumSquaresVariance[c], epochs);
            }
            BatchNormalization conf = (BatchNormalization) net.getLayerWiseConfigurations().getConf(layerIndex).getLayer();
            return new LayerTarget(layerIndex, conf.getLayerName(), convolutional, conf.getEps(), mean, variance,
                    meanError, varianceError);
        }

        private static double standardError(double sum, double sumSquares, int n) {
            double mean = sum / n;
            double variance = Math.max(0, (sumSquares - n * mean * mean) / (n - 1));
            return Math.sqrt(variance / n);
        }
    }
}
