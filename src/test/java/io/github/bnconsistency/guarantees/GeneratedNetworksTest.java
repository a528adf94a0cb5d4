package io.github.bnconsistency.guarantees;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.testing.HandStatistics;
import io.github.bnconsistency.testing.ModelSnapshot;
import io.github.bnconsistency.testing.TinyNetworks;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hundreds of random small networks (dense or convolutional, NCHW or NHWC, one to four BatchNormalization layers,
 * batches of 1 to 16, random moving statistics), each checked against invariants that hold whatever the network:
 * no exception; the model unchanged; divergence 0 once the moving statistics equal the data's; a known divergence
 * after a known perturbation.
 */
class GeneratedNetworksTest {

    private static final int CASES = 300;

    private record Case(
            String description, MultiLayerNetwork net, INDArray features, List<Integer> bnIndices, boolean nhwc) {}

    @Test
    void invariants_hold_for_random_networks() {
        Random random = new Random(20261127);
        for (int i = 0; i < CASES; i++) {
            Case c = randomCase(random, i);
            try {
                checkInvariants(c, random);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("case " + i + ": " + c.description() + ": " + e.getMessage(), e);
            }
        }
    }

    private static void checkInvariants(Case c, Random random) {
        MultiLayerNetwork net = c.net();
        ModelSnapshot before = ModelSnapshot.of(net);

        ConsistencyReport report = BatchNormInspector.inspect(net, c.features());

        assertThat(ModelSnapshot.of(net)).isEqualTo(before);
        assertThat(report.layers()).hasSize(c.bnIndices().size());
        assertThat(report.layers())
                .allSatisfy(l -> assertThat(l.channels()).allSatisfy(ch -> {
                    assertThat(ch.divergence()).isFinite();
                    assertThat(ch.meanShift()).isFinite();
                    assertThat(ch.varianceRatio()).isFinite().isPositive();
                }));

        // moving statistics := the data's batch statistics (by hand, from DL4J's own training-mode activations)
        List<INDArray> activations = net.feedForward(c.features(), true);
        List<double[][]> stats = new ArrayList<>();
        for (int index : c.bnIndices()) {
            INDArray input = activations.get(index);
            double[][] s = TinyNetworks.meanAndBiasedVariance(HandStatistics.values(
                    c.nhwc() && input.rank() == 4 ? input.permute(0, 3, 1, 2).dup() : input));
            stats.add(s);
        }
        for (int b = 0; b < stats.size(); b++) {
            TinyNetworks.setMovingStatistics(net.getLayer(c.bnIndices().get(b)), stats.get(b)[0], stats.get(b)[1]);
        }
        ConsistencyReport converged = BatchNormInspector.inspect(net, c.features());
        assertThat(converged.layers())
                .allSatisfy(l -> assertThat(l.maxDivergence()).isLessThan(1e-9));
        assertThat(converged.output().maxAbsDifference()).isLessThan(1e-9);

        // perturb one channel's moving mean by half its batch standard deviation: that channel's divergence is
        // |mu* - mu_M| / s_M = 0.5 exactly (s_M = s*), the layer's maximum at least that
        int b = random.nextInt(stats.size());
        int channel = random.nextInt(stats.get(b)[0].length);
        double eps =
                ((BatchNormalization) net.getLayer(c.bnIndices().get(b)).conf().getLayer()).getEps();
        double[] mean = stats.get(b)[0].clone();
        mean[channel] += 0.5 * Math.sqrt(stats.get(b)[1][channel] + eps);
        TinyNetworks.setMovingStatistics(net.getLayer(c.bnIndices().get(b)), mean, stats.get(b)[1]);
        LayerFinding perturbed =
                BatchNormInspector.inspect(net, c.features()).layers().get(b);
        ChannelFinding off = perturbed.channels().get(channel);
        assertThat(off.divergence()).isCloseTo(0.5, within(1e-9));
        assertThat(off.meanShift()).isCloseTo(0.5, within(1e-9));
        assertThat(perturbed.maxDivergence())
                .isGreaterThan(converged.layers().get(b).maxDivergence());
    }

    private static Case randomCase(Random random, int index) {
        boolean conv = random.nextBoolean();
        boolean nhwc = conv && random.nextBoolean();
        int batchNorms = 1 + random.nextInt(4);
        int batch = 1 + random.nextInt(16);
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder()
                .seed(index)
                .dataType(DataType.DOUBLE)
                .list();
        List<Integer> bnIndices = new ArrayList<>();
        int layer = 0;
        for (int b = 0; b < batchNorms; b++) {
            int width = 2 + random.nextInt(4);
            Activation activation = random.nextBoolean() ? Activation.IDENTITY : Activation.TANH;
            if (conv) {
                list.layer(new ConvolutionLayer.Builder(2, 2)
                        .nOut(width)
                        .convolutionMode(ConvolutionMode.Same)
                        .dataFormat(nhwc ? CNN2DFormat.NHWC : CNN2DFormat.NCHW)
                        .activation(activation)
                        .build());
            } else {
                list.layer(new DenseLayer.Builder()
                        .nOut(width)
                        .activation(activation)
                        .build());
            }
            list.layer(new BatchNormalization.Builder()
                    .useLogStd(random.nextBoolean())
                    .decay(0.5 + 0.49 * random.nextDouble())
                    .eps(random.nextBoolean() ? 1e-5 : 1e-3)
                    .build());
            layer += 2;
            bnIndices.add(layer - 1);
        }
        int height = 3 + random.nextInt(4);
        int width = 3 + random.nextInt(4);
        int channels = 1 + random.nextInt(3);
        int inputs = 2 + random.nextInt(5);
        list.setInputType(
                conv
                        ? InputType.convolutional(height, width, channels, nhwc ? CNN2DFormat.NHWC : CNN2DFormat.NCHW)
                        : InputType.feedForward(inputs));
        MultiLayerNetwork net = new MultiLayerNetwork(list.build());
        net.init();
        for (int bn : bnIndices) {
            randomMovingStatistics(net.getLayer(bn), random);
        }
        INDArray features = conv
                ? (nhwc
                        ? Nd4j.rand(DataType.DOUBLE, batch, height, width, channels)
                        : Nd4j.rand(DataType.DOUBLE, batch, channels, height, width))
                : Nd4j.rand(DataType.DOUBLE, batch, inputs);
        features.muli(1 + 4 * random.nextDouble()).addi(random.nextGaussian());
        String description =
                (conv ? (nhwc ? "NHWC conv" : "NCHW conv") : "dense") + ", " + batchNorms + " BN, batch " + batch;
        return new Case(description, net, features, bnIndices, nhwc);
    }

    private static void randomMovingStatistics(Layer layer, Random random) {
        int channels = (int) ((BatchNormalization) layer.conf().getLayer()).getNOut();
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        for (int c = 0; c < channels; c++) {
            mean[c] = 2 * random.nextGaussian();
            variance[c] = 0.1 + 5 * random.nextDouble();
        }
        TinyNetworks.setMovingStatistics(layer, mean, variance);
    }
}
