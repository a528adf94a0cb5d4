package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelLayout;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.javacpp.indexer.Indexer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A BatchNormalization input's values read where they are, through the array's buffer and strides: no copy, no ND4J
 * op, nothing allocated off-heap. On a small model each ND4J op costs more than its arithmetic and every array it
 * makes is one more for ND4J's deallocator thread (the statistics' casts, reductions and copies took 13% of the small
 * CNN's check); in place, the work is one read per value. Positions are visited in one fixed order (example, then
 * channel, then the other axes in the array's logical order), so two arrays of the same shape are read alike
 * whatever their strides (a convolution's output is a permuted view).
 *
 * <p>Element {@code i} of an array's buffer is {@code Σ index[a] * stride[a]}, as ND4J's own {@code
 * Shape.getDouble} reads it (beta7 to M2.1): a view's buffer starts at the view.
 */
final class InPlaceGrid {

    private final DataBuffer data;
    private final Indexer indexer;
    private final DataType type;
    private final long[] exampleOffsets;
    private final int channels;
    private final long channelStride;
    /** Offsets of the visited positions within one example and channel. */
    private final long[] innerOffsets;

    private InPlaceGrid(DataBuffer data, long[] exampleOffsets, int channels, long channelStride, long[] innerOffsets) {
        this.data = data;
        this.indexer = data.indexer();
        this.type = data.dataType();
        this.exampleOffsets = exampleOffsets;
        this.channels = channels;
        this.channelStride = channelStride;
        this.innerOffsets = innerOffsets;
    }

    /** Every value of a supported layout's array. */
    static InPlaceGrid every(INDArray array, ChannelLayout layout) {
        long[] step = new long[array.rank()];
        java.util.Arrays.fill(step, 1);
        return on(array, layout, step);
    }

    /**
     * The values at every {@code step[a]}-th index along each axis {@code a} but the channel's (whose step is
     * ignored: every channel is visited), from index 0.
     */
    static InPlaceGrid on(INDArray array, ChannelLayout layout, long[] step) {
        if (!layout.isSupported()) {
            throw new IllegalArgumentException("unsupported layout " + layout);
        }
        long[] shape = array.shape();
        long[] stride = array.stride();
        int channelAxis = layout.channelAxis();
        long[] exampleOffsets = new long[(int) count(shape[0], step[0])];
        for (int e = 0; e < exampleOffsets.length; e++) {
            exampleOffsets[e] = e * step[0] * stride[0];
        }
        long inner = 1;
        for (int a = 1; a < shape.length; a++) {
            if (a != channelAxis) {
                inner *= count(shape[a], step[a]);
            }
        }
        long[] innerOffsets = new long[Math.toIntExact(inner)];
        innerOffsets[0] = 0;
        int filled = 1;
        // each other axis, last first in the logical order, multiplies the positions seen so far (row-major order)
        for (int a = shape.length - 1; a >= 1; a--) {
            if (a == channelAxis) {
                continue;
            }
            long n = count(shape[a], step[a]);
            int blocks = filled;
            for (long i = n - 1; i >= 0; i--) {
                long offset = i * step[a] * stride[a];
                for (int b = 0; b < blocks; b++) {
                    innerOffsets[(int) (i * blocks + b)] = innerOffsets[b] + offset;
                }
            }
            filled = (int) (blocks * n);
        }
        return new InPlaceGrid(
                array.data(), exampleOffsets, (int) shape[channelAxis], stride[channelAxis], innerOffsets);
    }

    int examples() {
        return exampleOffsets.length;
    }

    int channels() {
        return channels;
    }

    /** Positions visited per example and channel. */
    int positions() {
        return innerOffsets.length;
    }

    /** Values visited in all. */
    long size() {
        return (long) exampleOffsets.length * channels * innerOffsets.length;
    }

    /**
     * Each example's mean and biased variance per channel over the visited positions, in double, row-major {@code
     * [examples, channels]}. Sums are shifted by the slice's first value (exact for FLOAT input, and no cancellation
     * for values far from zero).
     */
    void exampleMoments(double[] means, double[] variances) {
        int m = innerOffsets.length;
        for (int e = 0; e < exampleOffsets.length; e++) {
            for (int c = 0; c < channels; c++) {
                long base = exampleOffsets[e] + c * channelStride;
                double shift = read(base + innerOffsets[0]);
                double sum = 0;
                double squares = 0;
                for (int p = 0; p < m; p++) {
                    double d = read(base + innerOffsets[p]) - shift;
                    sum += d;
                    squares += d * d;
                }
                double mean = sum / m;
                means[e * channels + c] = shift + mean;
                variances[e * channels + c] = Math.max(0, squares / m - mean * mean);
            }
        }
    }

    /** The visited values in visiting order, kept on the heap: in single precision unless the array is DOUBLE. */
    Values copy() {
        int size = Math.toIntExact(size());
        if (type == DataType.DOUBLE) {
            double[] values = new double[size];
            int i = 0;
            for (long example : exampleOffsets) {
                for (int c = 0; c < channels; c++) {
                    long base = example + c * channelStride;
                    for (long p : innerOffsets) {
                        values[i++] = read(base + p);
                    }
                }
            }
            return new Values(null, values);
        }
        float[] values = new float[size];
        int i = 0;
        for (long example : exampleOffsets) {
            for (int c = 0; c < channels; c++) {
                long base = example + c * channelStride;
                for (long p : innerOffsets) {
                    values[i++] = (float) read(base + p);
                }
            }
        }
        return new Values(values, null);
    }

    /**
     * Per channel, the sum of {@code (this - kept)^2} over the visited positions, in double, against values a grid
     * of the same shape copied.
     */
    double[] squaredDifferences(Values kept) {
        if (kept.size() != size()) {
            throw new IllegalArgumentException("grids differ: " + kept.size() + " values kept, " + size() + " here");
        }
        double[] sums = new double[channels];
        int i = 0;
        for (long example : exampleOffsets) {
            for (int c = 0; c < channels; c++) {
                long base = example + c * channelStride;
                double sum = 0;
                for (long p : innerOffsets) {
                    double d = read(base + p) - kept.at(i++);
                    sum += d * d;
                }
                sums[c] += sum;
            }
        }
        return sums;
    }

    /** Whether every visited value is finite. */
    boolean allFinite() {
        for (long example : exampleOffsets) {
            for (int c = 0; c < channels; c++) {
                long base = example + c * channelStride;
                for (long p : innerOffsets) {
                    if (!Double.isFinite(read(base + p))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private double read(long offset) {
        if (indexer instanceof FloatIndexer f) {
            return f.get(offset);
        }
        if (indexer instanceof DoubleIndexer d) {
            return d.get(offset);
        }
        return data.getDouble(offset); // HALF, BFLOAT16: through the buffer's own conversion
    }

    /** Values a grid copied, in its visiting order. */
    record Values(float[] singles, double[] doubles) {
        int size() {
            return singles != null ? singles.length : doubles.length;
        }

        double at(int i) {
            return singles != null ? singles[i] : doubles[i];
        }
    }

    private static long count(long length, long step) {
        return (length + step - 1) / step;
    }
}
