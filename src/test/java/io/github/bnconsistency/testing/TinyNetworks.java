package io.github.bnconsistency.testing;

import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Networks of a single BatchNormalization layer, for known-answer tests. */
public final class TinyNetworks {

    private TinyNetworks() {}

    /** The input layouts a BatchNormalization layer sees. */
    public enum Layout {
        DENSE,
        NCHW,
        NHWC
    }

    public static final int CHANNELS = 3;
    public static final int HEIGHT = 4;
    public static final int WIDTH = 5;

    /** One BatchNormalization layer (gamma 1, beta 0) named "bn", in DOUBLE. */
    public static MultiLayerNetwork batchNormOnly(Layout layout, boolean useLogStd, double decay, double eps) {
        InputType inputType = switch (layout) {
            case DENSE -> InputType.feedForward(CHANNELS);
            case NCHW -> InputType.convolutional(HEIGHT, WIDTH, CHANNELS, CNN2DFormat.NCHW);
            case NHWC -> InputType.convolutional(HEIGHT, WIDTH, CHANNELS, CNN2DFormat.NHWC);
        };
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(DataType.DOUBLE)
                .list()
                .layer(new BatchNormalization.Builder()
                        .name("bn")
                        .useLogStd(useLogStd)
                        .decay(decay)
                        .eps(eps)
                        .build())
                .setInputType(inputType)
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * Random features with a different mean and scale per channel, as a plain double array indexed
     * {@code [example][channel][position]} (position = h*WIDTH + w; one position for DENSE).
     */
    public static double[][][] randomValues(Layout layout, int examples, Random random) {
        int positions = layout == Layout.DENSE ? 1 : HEIGHT * WIDTH;
        double[][][] values = new double[examples][CHANNELS][positions];
        for (int n = 0; n < examples; n++) {
            for (int c = 0; c < CHANNELS; c++) {
                for (int p = 0; p < positions; p++) {
                    values[n][c][p] = (c - 1) * 2.0 + (0.5 + c) * random.nextGaussian();
                }
            }
        }
        return values;
    }

    /** The features array for {@code values} in the layout's axis order. */
    public static INDArray features(Layout layout, double[][][] values) {
        int n = values.length;
        INDArray features = switch (layout) {
            case DENSE -> Nd4j.create(DataType.DOUBLE, n, CHANNELS);
            case NCHW -> Nd4j.create(DataType.DOUBLE, n, CHANNELS, HEIGHT, WIDTH);
            case NHWC -> Nd4j.create(DataType.DOUBLE, n, HEIGHT, WIDTH, CHANNELS);
        };
        for (int e = 0; e < n; e++) {
            for (int c = 0; c < CHANNELS; c++) {
                for (int p = 0; p < values[e][c].length; p++) {
                    int h = p / WIDTH;
                    int w = p % WIDTH;
                    switch (layout) {
                        case DENSE -> features.putScalar(new int[] {e, c}, values[e][c][p]);
                        case NCHW -> features.putScalar(new int[] {e, c, h, w}, values[e][c][p]);
                        case NHWC -> features.putScalar(new int[] {e, h, w, c}, values[e][c][p]);
                    }
                }
            }
        }
        return features;
    }

    /** Sets a BatchNormalization layer's moving statistics, in whichever storage it uses. */
    public static void setMovingStatistics(Layer layer, double[] mean, double[] variance) {
        DataType type =
                layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).dataType();
        long[] shape =
                layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN).shape();
        layer.setParam(
                BatchNormalizationParamInitializer.GLOBAL_MEAN,
                Nd4j.create(mean).reshape(shape).castTo(type));
        if (layer.paramTable().containsKey(BatchNormalizationParamInitializer.GLOBAL_VAR)) {
            layer.setParam(
                    BatchNormalizationParamInitializer.GLOBAL_VAR,
                    Nd4j.create(variance).reshape(shape).castTo(type));
        } else {
            double[] log10Std = new double[variance.length];
            for (int i = 0; i < variance.length; i++) {
                log10Std[i] = Math.log10(Math.sqrt(variance[i]));
            }
            layer.setParam(
                    BatchNormalizationParamInitializer.GLOBAL_LOG_STD,
                    Nd4j.create(log10Std).reshape(shape).castTo(type));
        }
    }

    /** Per-channel mean and biased variance of {@code values[example][channel][position]}, by plain loops. */
    public static double[][] meanAndBiasedVariance(double[][][] values) {
        int channels = values[0].length;
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            long count = 0;
            for (double[][] example : values) {
                for (double v : example[c]) {
                    sum += v;
                    count++;
                }
            }
            mean[c] = sum / count;
            double squares = 0;
            for (double[][] example : values) {
                for (double v : example[c]) {
                    squares += (v - mean[c]) * (v - mean[c]);
                }
            }
            variance[c] = squares / count;
        }
        return new double[][] {mean, variance};
    }
}
