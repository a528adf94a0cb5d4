package io.github.bnconsistency.api;

import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Small, fast models with known statistics for the assertion tests. */
final class ApiFixtures {

    static final double[][][] VALUES = TinyNetworks.randomValues(Layout.DENSE, 16, new Random(3));
    static final INDArray FEATURES = TinyNetworks.features(Layout.DENSE, VALUES);
    /** Enough examples that a shift of half a standard deviation is far beyond what sampling produces. */
    static final double[][][] MANY_VALUES = TinyNetworks.randomValues(Layout.DENSE, 400, new Random(3));

    static final INDArray MANY_FEATURES = TinyNetworks.features(Layout.DENSE, MANY_VALUES);

    private ApiFixtures() {}

    /** One BN layer "bn" whose moving statistics equal the batch statistics of {@link #FEATURES}. */
    static MultiLayerNetwork converged() {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.DENSE, true, 0.9, 1e-5);
        double[][] stats = TinyNetworks.meanAndBiasedVariance(VALUES);
        TinyNetworks.setMovingStatistics(net.getLayer(0), stats[0], stats[1]);
        return net;
    }

    /**
     * One BN layer "bn" whose moving statistics are DL4J's initial ones (mean 0, variance 1), far from
     * {@link #FEATURES}'s (channel means -2, 0, 2; standard deviations 0.5, 1.5, 2.5).
     */
    static MultiLayerNetwork diverging() {
        return TinyNetworks.batchNormOnly(Layout.DENSE, true, 0.9, 1e-5);
    }

    /**
     * Three BatchNormalization layers "bn1", "bn2", "bn3" one after the other, moving statistics at DL4J's initial
     * mean 0 and variance 1: bn1 diverges on {@link #FEATURES}; bn2 and bn3 get bn1's training-path output (mean 0,
     * variance about 1), which they match.
     */
    static MultiLayerNetwork threeBatchNormLayers() {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(4)
                .dataType(DataType.DOUBLE)
                .list();
        for (int i = 1; i <= 3; i++) {
            list.layer(new BatchNormalization.Builder()
                    .name("bn" + i)
                    .useLogStd(false)
                    .build());
        }
        MultiLayerNetwork net = new MultiLayerNetwork(
                list.setInputType(InputType.feedForward(TinyNetworks.CHANNELS)).build());
        net.init();
        return net;
    }

    /** A dense classifier without any BatchNormalization layer, with dropout. */
    static MultiLayerNetwork withoutBatchNorm() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(4)
                .dataType(DataType.DOUBLE)
                .list()
                .layer(new DenseLayer.Builder()
                        .nOut(6)
                        .activation(Activation.RELU)
                        .dropOut(0.5)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(2)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(TinyNetworks.CHANNELS))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
