package io.github.bnconsistency.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The study's truth: each BN layer's target statistics at the training batch size, estimated the way the moving
 * average itself averages, over random training-size batches, but over many more of them than the moving average
 * remembers: every epoch a fresh shuffle of the training set into batches of n, as training draws them. Computed on
 * a DOUBLE copy of the model, through {@link GroupedTrainingPath} (one pass per epoch), with the statistics summed
 * here in double.
 *
 * <p>Why batches and not only per-example statistics: a layer after another BN layer sees inputs normalized with
 * each batch's own statistics, so its input depends on which examples share the batch. The per-example formula
 * ({@link PerExampleTargets}) is exact for the first BN layer only.
 */
final class BatchAverageTargets {

    private BatchAverageTargets() {}

    /**
     * Averages batch mean and biased batch variance over {@code epochs} reshufflings of {@code training} into
     * batches of {@code batchSize}. The standard errors come from the spread of the per-epoch averages (the
     * epochs are independent shufflings; batches within one are not independent).
     */
    static List<LayerTarget> estimate(
            MultiLayerNetwork model, List<DataSet> training, int batchSize, int epochs, Random random) {
        if (epochs < 2) {
            throw new IllegalArgumentException("at least 2 epochs are needed for a standard error, got " + epochs);
        }
        MultiLayerNetwork inDouble = model.convertDataType(DataType.DOUBLE);
        GroupedTrainingPath path = new GroupedTrainingPath(inDouble);
        INDArray all = DataSet.merge(training).getFeatures().castTo(DataType.DOUBLE);
        double[] examples = all.dup('c').data().asDouble();
        int perExample = examples.length / training.size();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < training.size(); i++) {
            order.add(i);
        }
        Accumulator[] layers = null;
        for (int epoch = 0; epoch < epochs; epoch++) {
            Collections.shuffle(order, random);
            double[] shuffled = new double[examples.length];
            for (int i = 0; i < order.size(); i++) {
                System.arraycopy(examples, order.get(i) * perExample, shuffled, i * perExample, perExample);
            }
            List<BatchNormInputs.Values> inputs = path.bnInputs(Nd4j.create(shuffled, all.shape(), 'c'), batchSize);
            if (layers == null) {
                layers = new Accumulator[inputs.size()];
                for (int l = 0; l < layers.length; l++) {
                    layers[l] = new Accumulator(inputs.get(l).channels());
                }
            }
            for (int l = 0; l < layers.length; l++) {
                BatchNormInputs.Values input = inputs.get(l);
                for (int start = 0; start < input.examples(); start += batchSize) {
                    layers[l].addBatch(input.convolutional(), GroupMoments.of(input, start, batchSize));
                }
                layers[l].endEpoch();
            }
        }
        List<LayerTarget> targets = new ArrayList<>();
        for (int l = 0; l < layers.length; l++) {
            targets.add(layers[l].target(path.bnLayers().get(l), inDouble, epochs));
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

        void addBatch(boolean convolutional, double[][] moments) {
            this.convolutional = convolutional;
            for (int c = 0; c < channels; c++) {
                epochMean[c] += moments[0][c];
                epochVariance[c] += moments[1][c]; // biased, as DL4J normalizes with
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
            BatchNormalization conf = (BatchNormalization)
                    net.getLayerWiseConfigurations().getConf(layerIndex).getLayer();
            return new LayerTarget(
                    layerIndex,
                    conf.getLayerName(),
                    convolutional,
                    conf.getEps(),
                    mean,
                    variance,
                    meanError,
                    varianceError);
        }

        private static double standardError(double sum, double sumSquares, int n) {
            double mean = sum / n;
            double variance = Math.max(0, (sumSquares - n * mean * mean) / (n - 1));
            return Math.sqrt(variance / n);
        }
    }
}
