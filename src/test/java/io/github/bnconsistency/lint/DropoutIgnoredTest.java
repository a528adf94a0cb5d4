package io.github.bnconsistency.lint;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.report.LintFinding;
import io.github.bnconsistency.testing.HandStatistics;
import io.github.bnconsistency.testing.StoryModels;
import io.github.bnconsistency.testing.TinyNetworks;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Dropout on a BatchNormalization layer: DL4J never applies it, and the lint says so. */
class DropoutIgnoredTest {

    private static MultiLayerNetwork dense(Double onBatchNorm, Double networkWide, long seed) {
        NeuralNetConfiguration.Builder builder = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.DOUBLE)
                .updater(new Adam(1e-2));
        if (networkWide != null) {
            builder.dropOut(networkWide);
        }
        BatchNormalization.Builder bn = new BatchNormalization.Builder().name("bn");
        if (onBatchNorm != null) {
            bn.dropOut(new Dropout(onBatchNorm));
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

    private static List<DataSet> examples(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray labels = Nd4j.eye(3).repeat(0, 32).castTo(DataType.DOUBLE);
        INDArray features = Nd4j.randn(DataType.DOUBLE, 96, 4).muli(3).addi(5);
        return new DataSet(features, labels).asList();
    }

    /**
     * The evidence, on a model trained in shuffled mini-batches: with dropout (retain 0.5) on the BatchNormalization
     * layer, its training-path output is exactly the plain normalization of its whole input, recomputed here by
     * loops; dropping half the input would change about half of the values.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void dl4j_does_not_apply_dropout_set_on_a_batch_normalization_layer(long seed) {
        MultiLayerNetwork net = dense(0.5, null, seed);
        Random random = new Random(seed);
        List<DataSet> examples = examples(seed);
        for (int epoch = 0; epoch < 5; epoch++) {
            net.fit(new ExistingDataSetIterator(StoryModels.shuffledBatches(examples, 16, random)));
        }
        INDArray batch = DataSet.merge(examples.subList(0, 16)).getFeatures();

        List<INDArray> activations = net.feedForward(batch, true);
        double[][] in = activations.get(1).toDoubleMatrix();
        double[][] out = activations.get(2).toDoubleMatrix();
        double[] gamma = net.getLayer(1).getParam("gamma").toDoubleVector();
        double[] beta = net.getLayer(1).getParam("beta").toDoubleVector();
        double eps = ((BatchNormalization) net.getLayer(1).conf().getLayer()).getEps();
        // biased, as DL4J normalizes: computed by plain loops
        double[][] statistics = TinyNetworks.meanAndBiasedVariance(HandStatistics.values(activations.get(1)));
        for (int c = 0; c < in[0].length; c++) {
            double mean = statistics[0][c];
            double variance = statistics[1][c];
            for (int n = 0; n < in.length; n++) {
                double plain = (in[n][c] - mean) / Math.sqrt(variance + eps) * gamma[c] + beta[c];
                assertThat(out[n][c]).isCloseTo(plain, org.assertj.core.api.Assertions.within(1e-9));
            }
        }
    }

    @Test
    void dropout_on_the_layer_is_named_with_the_fix() {
        assertThat(BatchNormLint.check(dense(0.5, null, 1)))
                .filteredOn(f -> f.rule().equals(LintFinding.DROPOUT_IGNORED))
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.layer()).isEqualTo("bn");
                    assertThat(f.message())
                            .startsWith(
                                    "dropout, retain probability 0.5 is configured on this BatchNormalization layer")
                            .contains("DL4J never applies dropout in a BatchNormalization layer");
                    assertThat(f.fix()).contains("add a DropoutLayer after the BatchNormalization layer");
                });
    }

    /** The network-wide dropOut reaches every layer, the BatchNormalization layer too. */
    @Test
    void network_wide_dropout_is_named_too() {
        assertThat(BatchNormLint.check(dense(null, 0.8, 1)))
                .filteredOn(f -> f.rule().equals(LintFinding.DROPOUT_IGNORED))
                .singleElement()
                .satisfies(f -> assertThat(f.message()).startsWith("dropout, retain probability 0.8"));
    }

    /** None, or one that keeps everything (every Keras-imported layer carries Dropout(1.0)): nothing to say. */
    @Test
    void no_dropout_or_one_that_keeps_everything_is_not_flagged() {
        assertThat(BatchNormLint.check(dense(null, null, 1)))
                .extracting(LintFinding::rule)
                .doesNotContain(LintFinding.DROPOUT_IGNORED);
        assertThat(BatchNormLint.check(dense(1.0, null, 1)))
                .extracting(LintFinding::rule)
                .doesNotContain(LintFinding.DROPOUT_IGNORED);
    }
}
