package io.github.bnconsistency.lint;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bnconsistency.report.LintFinding;
import io.github.bnconsistency.testing.HandStatistics;
import io.github.bnconsistency.testing.StoryModels;
import io.github.bnconsistency.testing.TinyNetworks;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** An activation on a BatchNormalization layer: DL4J never applies it, and the lint says so. */
class ActivationIgnoredTest {

    private static MultiLayerNetwork dense(Activation onBatchNorm, Activation networkWide, long seed) {
        NeuralNetConfiguration.Builder builder = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.DOUBLE)
                .updater(new Adam(1e-2));
        if (networkWide != null) {
            builder.activation(networkWide);
        }
        BatchNormalization.Builder bn = new BatchNormalization.Builder().name("bn");
        if (onBatchNorm != null) {
            bn.activation(onBatchNorm);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(builder.list()
                .layer(new DenseLayer.Builder()
                        .nOut(8)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(bn.build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(4))
                .build());
        net.init();
        return net;
    }

    /** 96 examples of 3 classes, features around 5 with spread 3, as single-example DataSets. */
    private static List<DataSet> examples(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray labels = Nd4j.eye(3).repeat(0, 32).castTo(DataType.DOUBLE);
        INDArray features = Nd4j.randn(DataType.DOUBLE, 96, 4)
                .muli(3)
                .addi(5)
                .addi(labels.mmul(Nd4j.rand(DataType.DOUBLE, 3, 4).muli(4)));
        return new DataSet(features, labels).asList();
    }

    /**
     * The evidence, on a model trained as users train (shuffled mini-batches of 16 from an iterator, 10 epochs):
     * with TANH set on the BatchNormalization layer, its training-path output is exactly the plain normalization
     * {@code (x - mean) / sqrt(var + eps) * gamma + beta} of its input, recomputed here by loops, and goes beyond
     * 1 in absolute value, which tanh never does. A standardized batch of 16 has mean square ~1, so some value is
     * beyond 1 whenever they are not all equal in size.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void dl4j_does_not_apply_an_activation_set_on_a_batch_normalization_layer(long seed) {
        MultiLayerNetwork net = dense(Activation.TANH, null, seed);
        Random random = new Random(seed);
        List<DataSet> examples = examples(seed);
        for (int epoch = 0; epoch < 10; epoch++) {
            net.fit(new ExistingDataSetIterator(StoryModels.shuffledBatches(examples, 16, random)));
        }
        INDArray batch = DataSet.merge(examples.subList(0, 16)).getFeatures();

        List<INDArray> activations = net.feedForward(batch, true);
        double[][] in = activations.get(1).toDoubleMatrix(); // the BN layer's input (dense output)
        double[][] out = activations.get(2).toDoubleMatrix(); // its output
        double[] gamma = net.getLayer(1).getParam("gamma").toDoubleVector();
        double[] beta = net.getLayer(1).getParam("beta").toDoubleVector();
        double eps = ((BatchNormalization) net.getLayer(1).conf().getLayer()).getEps();
        double largest = 0;
        // biased, as DL4J normalizes: computed by plain loops
        double[][] statistics = TinyNetworks.meanAndBiasedVariance(HandStatistics.values(activations.get(1)));
        for (int c = 0; c < in[0].length; c++) {
            double mean = statistics[0][c];
            double variance = statistics[1][c];
            for (int n = 0; n < in.length; n++) {
                double plain = (in[n][c] - mean) / Math.sqrt(variance + eps) * gamma[c] + beta[c];
                assertThat(out[n][c]).isCloseTo(plain, org.assertj.core.api.Assertions.within(1e-9));
                largest = Math.max(largest, Math.abs(out[n][c]));
            }
        }
        assertThat(largest).as("not squashed by tanh").isGreaterThan(1.0);
    }

    @Test
    void an_activation_on_the_layer_is_named_with_the_fix() {
        MultiLayerNetwork net = dense(Activation.TANH, null, 1);

        assertThat(BatchNormLint.check(net)).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo(LintFinding.ACTIVATION_IGNORED);
            assertThat(f.layer()).isEqualTo("bn");
            assertThat(f.message())
                    .contains("activation Activation.TANH is configured on this BatchNormalization layer")
                    .contains("DL4J never applies an activation in a BatchNormalization layer");
            assertThat(f.fix())
                    .contains("add an ActivationLayer after it (new ActivationLayer.Builder()"
                            + ".activation(Activation.TANH).build())")
                    .contains(".activation(Activation.IDENTITY)");
        });
        assertThatThrownBy(() -> assertThat(net).passesBatchNormLint())
                .hasMessageContaining("[activation-ignored] bn: activation Activation.TANH");
    }

    @Test
    void a_leaky_relu_with_its_own_slope_is_named_by_its_class() {
        MultiLayerNetwork net = dense(null, null, 1);
        ((BatchNormalization) net.getLayer(1).conf().getLayer())
                .setActivationFn(new org.nd4j.linalg.activations.impl.ActivationLReLU(0.2));

        assertThat(BatchNormLint.check(net))
                .singleElement()
                .satisfies(f -> assertThat(f.message()).contains("activation ActivationLReLU ("));
    }

    @Test
    void a_network_wide_activation_is_inherited_and_named_too() {
        assertThat(BatchNormLint.check(dense(null, Activation.RELU, 1)))
                .singleElement()
                .satisfies(f -> assertThat(f.message())
                        .contains("activation Activation.RELU")
                        .contains("network-wide by NeuralNetConfiguration.Builder.activation"));
    }

    @Test
    void no_finding_without_an_activation_or_with_identity() {
        // without one, DL4J gives every layer its default SIGMOID: not flagged (an explicit SIGMOID looks the same)
        MultiLayerNetwork none = dense(null, null, 1);
        assertThat(none.getLayer(1).conf().getLayer())
                .extracting(l -> ((BatchNormalization) l).getActivationFn())
                .isInstanceOf(ActivationSigmoid.class);
        assertThat(BatchNormLint.check(none)).isEmpty();
        assertThat(BatchNormLint.check(dense(Activation.IDENTITY, Activation.RELU, 1)))
                .isEmpty();
    }

    /** A Keras BatchNormalization has no activation, and the importer sets none: its layers carry DL4J's default. */
    @Test
    void keras_imports_carry_no_activation_on_batch_normalization() throws Exception {
        MultiLayerNetwork keras = KerasModelImport.importKerasSequentialModelAndWeights(
                "src/test/resources/keras/cnn_batch_norm.h5", false);
        MultiLayerNetwork wgan = KerasModelImport.importKerasSequentialModelAndWeights(
                "src/test/resources/keras/wgan_discriminator.h5", false);

        for (MultiLayerNetwork imported : List.of(keras, wgan)) {
            assertThat(BatchNormLint.check(imported))
                    .extracting(LintFinding::rule)
                    .doesNotContain(LintFinding.ACTIVATION_IGNORED);
        }
    }

    @Test
    void graphs_are_linted_alike() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(1)
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                        "dense",
                        new DenseLayer.Builder()
                                .nOut(8)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "in")
                .addLayer(
                        "bn",
                        new BatchNormalization.Builder()
                                .activation(Activation.LEAKYRELU)
                                .build(),
                        "dense")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                                .nOut(2)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "bn")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(4))
                .build());
        graph.init();

        assertThat(BatchNormLint.check(graph))
                .extracting(LintFinding::layer, LintFinding::rule)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("bn", LintFinding.ACTIVATION_IGNORED));
    }
}
