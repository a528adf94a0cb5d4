package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelLayout;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The values of one site's input at fixed positions, kept from one pass to measure the input drift (the RMS of
 * {@code x_inference - x_training}, value by value) in the next without holding either pass's activations. Every
 * value when the input has at most {@link #MAX_VALUES} in the batch, so the drift is exact for dense layers and
 * small feature maps; beyond, the values on a grid thinned by doubling the stride along the longest reduction axis
 * until at most that many remain (evenly spread over examples and positions), whose squared differences are scaled
 * to all the values: an estimate of the same RMS (ResNet50's first layer at 224x224, batch 16: 1 value in 64).
 */
final class DriftSample {

    /**
     * At most this many values per site and batch: 256 kB in FLOAT, under 14 MB for ResNet50's 53 layers, and a
     * small share of the pass's time (2^18 took 5% of ResNet50's check at 96x96).
     */
    static final long MAX_VALUES = 1L << 16;

    private final INDArray values;
    private final INDArrayIndex[] positions;
    private final long sampledPerChannel;
    private final long valuesPerChannel;

    private DriftSample(INDArray values, INDArrayIndex[] positions, long sampledPerChannel, long valuesPerChannel) {
        this.values = values;
        this.positions = positions;
        this.sampledPerChannel = sampledPerChannel;
        this.valuesPerChannel = valuesPerChannel;
    }

    /** A detached copy of the input's values at the sample's positions (call outside any workspace). */
    static DriftSample of(INDArray input, ChannelLayout layout) {
        long[] shape = input.shape();
        long[] stride = strides(shape, layout);
        long channels = shape[layout.channelAxis()];
        INDArrayIndex[] positions = positions(shape, stride);
        INDArray values =
                positions == null ? input.dup('c') : input.get(positions).dup('c');
        return new DriftSample(
                values, positions, sampled(shape, stride, layout.reductionAxes()), input.length() / channels);
    }

    /** The sample's positions in an array of this shape: a view's indices, or null for every value. */
    static INDArrayIndex[] positions(long[] shape, ChannelLayout layout) {
        return positions(shape, strides(shape, layout));
    }

    private static INDArrayIndex[] positions(long[] shape, long[] stride) {
        if (java.util.Arrays.stream(stride).allMatch(s -> s == 1)) {
            return null;
        }
        INDArrayIndex[] positions = new INDArrayIndex[shape.length];
        for (int a = 0; a < shape.length; a++) {
            positions[a] = stride[a] == 1 ? NDArrayIndex.all() : NDArrayIndex.interval(0, stride[a], shape[a]);
        }
        return positions;
    }

    private static long[] strides(long[] shape, ChannelLayout layout) {
        int[] axes = layout.reductionAxes();
        long[] stride = new long[shape.length];
        java.util.Arrays.fill(stride, 1);
        long channels = shape[layout.channelAxis()];
        while (channels * sampled(shape, stride, axes) > MAX_VALUES) {
            int longest = axes[0];
            for (int a : axes) {
                if (ceil(shape[a], stride[a]) > ceil(shape[longest], stride[longest])) {
                    longest = a;
                }
            }
            if (ceil(shape[longest], stride[longest]) <= 1) {
                break; // one value per channel left (more channels than MAX_VALUES): keep it
            }
            stride[longest] *= 2;
        }
        return stride;
    }

    /**
     * Per channel, the sum of {@code (other - this)^2} over the sample's positions scaled to all the input's values
     * (the exact sum when the sample holds every value); frees the sample.
     */
    double[] squaredDriftSums(INDArray other, ChannelLayout layout) {
        INDArray at = positions == null ? other : other.get(positions);
        // element by element (a pairwise op): a layer's input may be a permuted view (a convolution's output is),
        // while the kept values are in 'c' order, and a distance reduction over axes misreads such a pair
        boolean narrow = values.dataType() == DataType.FLOAT16 || values.dataType() == DataType.BFLOAT16;
        INDArray difference = narrow ? at.castTo(DataType.FLOAT).subi(values.castTo(DataType.FLOAT)) : at.sub(values);
        try {
            INDArray norms = difference.norm2(layout.reductionAxes());
            double[] sums = norms.castTo(DataType.DOUBLE).toDoubleVector();
            BatchMoments.release(norms);
            for (int c = 0; c < sums.length; c++) {
                sums[c] *= sums[c];
            }
            double scale = (double) valuesPerChannel / sampledPerChannel;
            if (scale != 1) {
                for (int c = 0; c < sums.length; c++) {
                    sums[c] *= scale;
                }
            }
            return sums;
        } finally {
            BatchMoments.release(difference);
            release();
        }
    }

    /** Frees the kept values (when the second pass does not come). */
    void release() {
        BatchMoments.release(values);
    }

    private static long sampled(long[] shape, long[] stride, int[] axes) {
        long count = 1;
        for (int a : axes) {
            count *= ceil(shape[a], stride[a]);
        }
        return count;
    }

    private static long ceil(long length, long stride) {
        return (length + stride - 1) / stride;
    }
}
