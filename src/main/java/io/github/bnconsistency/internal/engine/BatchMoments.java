package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelLayout;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.Moments;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-channel statistics of one BatchNormalization input on one mini-batch, computed in double exactly as
 * DL4J's training path defines them: mean and <em>biased</em> variance over every axis but the channel's.
 *
 * @param mean             per-channel batch mean
 * @param variance         per-channel biased batch variance
 * @param squaredDrift     per-channel sum of {@code (x_inference - x_training)^2}, NaN when unreadable
 * @param valuesPerChannel values each channel's statistics average over
 * @param exampleMeans     each example's mean per channel, row-major {@code [examples, channels]}
 * @param exampleVariances each example's within-example biased variance per channel (0 for dense input)
 * @param examples         examples in the batch
 */
record BatchMoments(
        double[] mean,
        double[] variance,
        double[] squaredDrift,
        long valuesPerChannel,
        double[] exampleMeans,
        double[] exampleVariances,
        int examples) {

    /** The layout DL4J applies to an input of this rank for a layer of this format. */
    static ChannelLayout layoutOf(INDArray input, CNN2DFormat format) {
        boolean nhwc = format == CNN2DFormat.NHWC;
        return switch (input.rank()) {
            case 2 -> ChannelLayout.DENSE;
            case 3 -> nhwc ? ChannelLayout.SEQUENCE_CHANNELS_LAST : ChannelLayout.SEQUENCE_CHANNELS_FIRST;
            case 4 -> nhwc ? ChannelLayout.NHWC : ChannelLayout.NCHW;
            default -> ChannelLayout.UNKNOWN;
        };
    }

    /**
     * The moments of a training listener's activations, reduced in {@code precision} (the activations' own type: the
     * listener watches a trend and must not copy activations mid-fit); no drift (NaN), the listener sees one path.
     */
    static BatchMoments of(INDArray training, ChannelLayout layout, DataType precision) {
        int[] axes = layout.reductionAxes();
        int channels = (int) training.size(layout.channelAxis());
        INDArray x = training.castTo(precision); // the same array when already of that type
        INDArray[] moments = Nd4j.exec(new Moments(x, axes)); // mean and biased variance in one op
        double[] mean = perChannel(moments[0]);
        double[] variance = perChannel(moments[1]);
        int examples = (int) training.size(0);
        double[] exampleMeans;
        double[] exampleVariances;
        if (axes.length == 1) {
            exampleMeans = flat(x); // dense: each example has one value per channel
            exampleVariances = new double[exampleMeans.length];
        } else {
            INDArray[] perExample = Nd4j.exec(new Moments(x, java.util.Arrays.copyOfRange(axes, 1, axes.length)));
            exampleMeans = flat(perExample[0]);
            exampleVariances = flat(perExample[1]);
            release(perExample[0]);
            release(perExample[1]);
        }
        if (x != training) {
            release(x); // free the copy now: a large model's inputs would otherwise pile up off-heap until a GC
        }
        double[] drift = new double[channels];
        java.util.Arrays.fill(drift, Double.NaN);
        return new BatchMoments(
                mean, variance, drift, training.length() / channels, exampleMeans, exampleVariances, examples);
    }

    /**
     * Examples per double-precision chunk: at most about this many values are copied to double at a time, so that
     * a large input (ResNet50's first layers at 224x224) costs no double copy of its whole batch.
     */
    static final long CHUNK_VALUES = 1L << 20;

    /**
     * The moments of a site's training-path input as read inside a pass ({@link SiteTap}), in double, a few examples
     * at a time: per example the mean and biased within-example variance per channel, and from them the batch's
     * (its mean is their mean, its biased variance their mean within-example variance plus the biased variance of
     * their means: every example has as many values per channel). Equal to {@link #of(INDArray, ChannelLayout,
     * DataType)} in DOUBLE within double rounding. The squared drift is NaN: {@link #withDrift} sets it.
     */
    static BatchMoments inPass(INDArray training, ChannelLayout layout) {
        int[] axes = layout.reductionAxes();
        int channels = (int) training.size(layout.channelAxis());
        int examples = (int) training.size(0);
        double[] exampleMeans;
        double[] exampleVariances;
        if (axes.length == 1) {
            exampleMeans = flat(training); // dense: each example has one value per channel
            exampleVariances = new double[exampleMeans.length];
        } else {
            exampleMeans = new double[examples * channels];
            exampleVariances = new double[exampleMeans.length];
            int[] withinExample = java.util.Arrays.copyOfRange(axes, 1, axes.length);
            long perExample = Math.max(1, training.length() / Math.max(1, examples));
            int chunk = (int) Math.max(1, Math.min(examples, CHUNK_VALUES / perExample));
            for (int start = 0; start < examples; start += chunk) {
                int end = Math.min(examples, start + chunk);
                INDArray part = examplesOf(training, start, end);
                INDArray x = part.castTo(DataType.DOUBLE); // the same view when already DOUBLE
                INDArray[] perEx = Nd4j.exec(new Moments(x, withinExample));
                System.arraycopy(flat(perEx[0]), 0, exampleMeans, start * channels, (end - start) * channels);
                System.arraycopy(flat(perEx[1]), 0, exampleVariances, start * channels, (end - start) * channels);
                release(perEx[0]);
                release(perEx[1]);
                if (x != part) {
                    release(x);
                }
            }
        }
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        for (int n = 0; n < examples; n++) {
            for (int c = 0; c < channels; c++) {
                mean[c] += exampleMeans[n * channels + c];
            }
        }
        for (int c = 0; c < channels; c++) {
            mean[c] /= examples;
        }
        for (int n = 0; n < examples; n++) {
            for (int c = 0; c < channels; c++) {
                double d = exampleMeans[n * channels + c] - mean[c];
                variance[c] += exampleVariances[n * channels + c] + d * d;
            }
        }
        for (int c = 0; c < channels; c++) {
            variance[c] /= examples;
        }
        double[] drift = new double[channels];
        java.util.Arrays.fill(drift, Double.NaN);
        return new BatchMoments(
                mean, variance, drift, training.length() / channels, exampleMeans, exampleVariances, examples);
    }

    /** These moments with the per-channel squared drift sums measured against the inference path. */
    BatchMoments withDrift(double[] squaredDriftSums) {
        return new BatchMoments(
                mean, variance, squaredDriftSums, valuesPerChannel, exampleMeans, exampleVariances, examples);
    }

    /** Examples {@code [start, end)} of an array: a view along the first axis. */
    private static INDArray examplesOf(INDArray array, long start, long end) {
        if (start == 0 && end == array.size(0)) {
            return array;
        }
        org.nd4j.linalg.indexing.INDArrayIndex[] index = new org.nd4j.linalg.indexing.INDArrayIndex[array.rank()];
        index[0] = org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end);
        for (int a = 1; a < index.length; a++) {
            index[a] = org.nd4j.linalg.indexing.NDArrayIndex.all();
        }
        return array.get(index);
    }

    /** Frees an array the engine made, now; views and workspace arrays are left to their owners. */
    static void release(INDArray array) {
        if (array != null && array.closeable()) {
            array.close();
        }
    }

    /** An array's values in row-major order, as doubles. */
    private static double[] flat(INDArray array) {
        INDArray x = array.castTo(DataType.DOUBLE);
        INDArray c = x.dup('c');
        double[] values = c.reshape(array.length()).toDoubleVector();
        release(c);
        if (x != array) {
            release(x);
        }
        return values;
    }

    /** A fresh per-channel result as doubles, freed right away. */
    private static double[] perChannel(INDArray result) {
        double[] values = result.castTo(DataType.DOUBLE).toDoubleVector();
        release(result);
        return values;
    }
}
