package io.github.bnconsistency.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.bnconsistency.report.ChannelLayout;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The in-place reads against values fetched one by one through ND4J's own indexed {@code getDouble} and reduced here
 * in double, two-pass: on permuted views, sub-views with an offset, both channel orders, dense and sequence input,
 * DOUBLE and HALF arrays, and values far from zero.
 */
class InPlaceGridTest {

    @Test
    void exampleMomentsOfAPermutedViewAreThoseOfItsLogicalValues() {
        Nd4j.getRandom().setSeed(1);
        // a convolution's output is such a view: logical NCHW over a buffer in NHWC order
        INDArray view = Nd4j.rand(DataType.FLOAT, 5, 4, 3, 6).permute(0, 3, 1, 2);
        assertMomentsMatchBruteForce(view, ChannelLayout.NCHW, 1e-12);
    }

    @Test
    void exampleMomentsOfASubViewWithAnOffsetReadTheViewOnly() {
        Nd4j.getRandom().setSeed(2);
        INDArray big = Nd4j.randn(DataType.FLOAT, 7, 3, 8, 5);
        INDArray view = big.get(
                NDArrayIndex.interval(2, 6), NDArrayIndex.all(), NDArrayIndex.interval(3, 7), NDArrayIndex.all());
        assertThat(view.offset()).isPositive();
        assertMomentsMatchBruteForce(view, ChannelLayout.NCHW, 1e-12);
    }

    @Test
    void channelsLastDenseAndSequenceLayouts() {
        Nd4j.getRandom().setSeed(3);
        assertMomentsMatchBruteForce(Nd4j.rand(DataType.FLOAT, 4, 5, 6, 3), ChannelLayout.NHWC, 1e-12);
        assertMomentsMatchBruteForce(Nd4j.rand(DataType.FLOAT, 9, 7), ChannelLayout.DENSE, 0);
        assertMomentsMatchBruteForce(Nd4j.rand(DataType.FLOAT, 4, 11, 3), ChannelLayout.SEQUENCE_CHANNELS_LAST, 1e-12);
    }

    @Test
    void doubleAndHalfArrays() {
        Nd4j.getRandom().setSeed(4);
        assertMomentsMatchBruteForce(Nd4j.randn(DataType.DOUBLE, 3, 4, 5, 5), ChannelLayout.NCHW, 1e-12);
        assertMomentsMatchBruteForce(
                Nd4j.randn(DataType.FLOAT, 3, 4, 5, 5).castTo(DataType.HALF), ChannelLayout.NCHW, 1e-12);
    }

    @Test
    void valuesFarFromZeroKeepTheirSmallVariance() {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 2, 16, 16).muli(1e-3).addi(1e4);
        assertMomentsMatchBruteForce(x, ChannelLayout.NCHW, 1e-9);
    }

    @Test
    void squaredDifferencesReadBothArraysInTheSameLogicalOrder() {
        Nd4j.getRandom().setSeed(6);
        INDArray permuted = Nd4j.rand(DataType.FLOAT, 3, 5, 4, 2).permute(0, 3, 1, 2); // [3, 2, 5, 4]
        INDArray same = permuted.dup('c');
        INDArray shifted = same.add(0.5);
        long[] every = {1, 1, 1, 1};
        InPlaceGrid.Values kept =
                InPlaceGrid.on(permuted, ChannelLayout.NCHW, every).copy();
        assertThat(InPlaceGrid.on(same, ChannelLayout.NCHW, every).squaredDifferences(kept))
                .containsOnly(0.0);
        // each channel has 3 * 5 * 4 values, each off by 0.5 up to float rounding of x + 0.5 (6e-8 each)
        assertThat(InPlaceGrid.on(shifted, ChannelLayout.NCHW, every).squaredDifferences(kept))
                .containsExactly(new double[] {15.0, 15.0}, within(1e-5));
    }

    @Test
    void aThinnedGridVisitsEveryStepThPositionAlongEachAxisButTheChannels() {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3, 7, 6);
        INDArray y = Nd4j.rand(DataType.FLOAT, 5, 3, 7, 6);
        long[] step = {2, 9, 3, 4}; // the channel's step is ignored
        InPlaceGrid grid = InPlaceGrid.on(y, ChannelLayout.NCHW, step);
        assertThat(grid.examples()).isEqualTo(3);
        assertThat(grid.channels()).isEqualTo(3);
        assertThat(grid.positions()).isEqualTo(3 * 2);
        double[] expected = new double[3];
        for (int n = 0; n < 5; n += 2) {
            for (int c = 0; c < 3; c++) {
                for (int h = 0; h < 7; h += 3) {
                    for (int w = 0; w < 6; w += 4) {
                        double d = y.getDouble(n, c, h, w) - x.getDouble(n, c, h, w);
                        expected[c] += d * d;
                    }
                }
            }
        }
        InPlaceGrid.Values kept = InPlaceGrid.on(x, ChannelLayout.NCHW, step).copy();
        assertThat(grid.squaredDifferences(kept)).containsExactly(expected, within(1e-9));
    }

    @Test
    void driftSampleOfALargeInputEstimatesTheExactSumFromItsGrid() {
        Nd4j.getRandom().setSeed(8);
        INDArray training = Nd4j.randn(DataType.FLOAT, 8, 4, 64, 64); // 131072 values: more than MAX_VALUES
        INDArray inference =
                training.add(Nd4j.randn(DataType.FLOAT, 8, 4, 64, 64).muli(0.1));
        double[] exact = new double[4];
        INDArray difference = inference.sub(training).castTo(DataType.DOUBLE);
        for (int c = 0; c < 4; c++) {
            INDArray channel =
                    difference.get(NDArrayIndex.all(), NDArrayIndex.point(c), NDArrayIndex.all(), NDArrayIndex.all());
            exact[c] = channel.mul(channel).sumNumber().doubleValue();
        }
        double[] estimate =
                DriftSample.of(training, ChannelLayout.NCHW).squaredDriftSums(inference, ChannelLayout.NCHW);
        // each channel's sample holds 1 value in 2 of its 32768 (sum of 16384 squared N(0, 0.01)): 1.1% relative sd
        for (int c = 0; c < 4; c++) {
            assertThat(estimate[c]).isCloseTo(exact[c], within(0.05 * exact[c]));
        }
    }

    /** Compares the grid's example moments with a brute-force two-pass reduction of the indexed values. */
    private static void assertMomentsMatchBruteForce(INDArray x, ChannelLayout layout, double relative) {
        int channelAxis = layout.channelAxis();
        long[] shape = x.shape();
        int examples = (int) shape[0];
        int channels = (int) shape[channelAxis];
        InPlaceGrid grid = InPlaceGrid.every(x, layout);
        double[] means = new double[examples * channels];
        double[] variances = new double[means.length];
        grid.exampleMoments(means, variances);
        for (int n = 0; n < examples; n++) {
            for (int c = 0; c < channels; c++) {
                double[] values = valuesOf(x, n, c, channelAxis);
                double mean = 0;
                for (double v : values) {
                    mean += v;
                }
                mean /= values.length;
                double variance = 0;
                for (double v : values) {
                    variance += (v - mean) * (v - mean);
                }
                variance /= values.length;
                int i = n * channels + c;
                assertThat(means[i]).as("mean %d,%d", n, c).isCloseTo(mean, within(relative * Math.abs(mean) + 1e-300));
                assertThat(variances[i])
                        .as("variance %d,%d", n, c)
                        .isCloseTo(variance, within(relative * Math.max(variance, 1e-300) * 100 + 1e-300));
            }
        }
    }

    /** Example {@code n}'s values of channel {@code c}, one {@code getDouble} at a time. */
    private static double[] valuesOf(INDArray x, int n, int c, int channelAxis) {
        long[] shape = x.shape();
        int rank = shape.length;
        long count = x.length() / shape[0] / shape[channelAxis];
        double[] values = new double[(int) count];
        long[] index = new long[rank];
        index[0] = n;
        index[channelAxis] = c;
        for (int k = 0; k < count; k++) {
            long rest = k;
            for (int a = rank - 1; a >= 1; a--) {
                if (a == channelAxis) {
                    continue;
                }
                index[a] = rest % shape[a];
                rest /= shape[a];
            }
            values[k] = x.getDouble(index);
        }
        return values;
    }
}
