package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelLayout;
import org.nd4j.linalg.api.ndarray.INDArray;

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
     * At most this many values per site and batch: 256 kB in FLOAT (on the heap), under 14 MB for ResNet50's 53
     * layers, and a small share of the pass's time (2^18 took 5% of ResNet50's check at 96x96).
     */
    static final long MAX_VALUES = 1L << 16;

    private final InPlaceGrid.Values values;
    private final long[] steps;
    private final long sampledPerChannel;
    private final long valuesPerChannel;

    private DriftSample(InPlaceGrid.Values values, long[] steps, long sampledPerChannel, long valuesPerChannel) {
        this.values = values;
        this.steps = steps;
        this.sampledPerChannel = sampledPerChannel;
        this.valuesPerChannel = valuesPerChannel;
    }

    /** A copy, on the heap, of the input's values at the sample's positions (read in place: no ND4J array). */
    static DriftSample of(INDArray input, ChannelLayout layout) {
        long[] shape = input.shape();
        long[] steps = strides(shape, layout);
        long channels = shape[layout.channelAxis()];
        return new DriftSample(
                InPlaceGrid.on(input, layout, steps).copy(),
                steps,
                sampled(shape, steps, layout.reductionAxes()),
                input.length() / channels);
    }

    /** The sample's grid on an array of this layout: every value when it has at most {@link #MAX_VALUES}. */
    static InPlaceGrid grid(INDArray array, ChannelLayout layout) {
        return InPlaceGrid.on(array, layout, strides(array.shape(), layout));
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
     * (the exact sum when the sample holds every value), read in place.
     */
    double[] squaredDriftSums(INDArray other, ChannelLayout layout) {
        double[] sums = InPlaceGrid.on(other, layout, steps).squaredDifferences(values);
        double scale = (double) valuesPerChannel / sampledPerChannel;
        if (scale != 1) {
            for (int c = 0; c < sums.length; c++) {
                sums[c] *= scale;
            }
        }
        return sums;
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
