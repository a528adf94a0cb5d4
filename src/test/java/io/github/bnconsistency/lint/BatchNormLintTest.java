package io.github.bnconsistency.lint;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.LintFinding;
import io.github.bnconsistency.report.UpdatesNeeded;
import io.github.bnconsistency.testing.StoryModels;
import java.util.List;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.SimpleRnn;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Each rule on a real model that has the problem, and the evidence that the problem is real. */
class BatchNormLintTest {

    private static MultiLayerNetwork dense(GradientNormalization normalization) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(1)
                .updater(new Adam(1e-2))
                .gradientNormalization(normalization)
                .list()
                .layer(new DenseLayer.Builder()
                        .nOut(8)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn").decay(0.9).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(4))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    private static DataSet denseData() {
        Nd4j.getRandom().setSeed(3);
        // enough examples that a real divergence stands out of the sampling noise of one probe batch
        return new DataSet(
                Nd4j.randn(DataType.FLOAT, 1200, 4).muli(3).addi(5), Nd4j.eye(3).repeat(0, 400));
    }

    @Test
    void gradient_normalization_keeps_statistics_from_converging_and_is_named() {
        DataSet data = denseData();
        MultiLayerNetwork plain = dense(GradientNormalization.None);
        MultiLayerNetwork renormalized = dense(GradientNormalization.RenormalizeL2PerLayer);
        for (int i = 0; i < 300; i++) {
            plain.fit(data);
            renormalized.fit(data);
        }

        ConsistencyReport plainReport = BatchNormInspector.inspect(plain, data);
        ConsistencyReport report = BatchNormInspector.inspect(renormalized, data);

        // the evidence: same model, same data, same 300 iterations
        assertThat(plainReport.layer("bn").orElseThrow().status()).isEqualTo(LayerStatus.CONVERGED);
        assertThat(report.layer("bn").orElseThrow().isDiverging()).isTrue();
        assertThat(report.layer("bn").orElseThrow().updatesNeeded())
                .isEqualTo(UpdatesNeeded.never("gradient normalization RenormalizeL2PerLayer"));
        assertThat(report.lint()).extracting(LintFinding::rule).contains(LintFinding.GRADIENT_NORMALIZATION);
        assertThat(BatchNormLint.check(renormalized))
                .extracting(LintFinding::rule)
                .containsExactly(LintFinding.GRADIENT_NORMALIZATION);
        assertThat(BatchNormLint.check(plain)).isEmpty();
        assertThatThrownBy(() -> assertThat(renormalized).passesBatchNormLint())
                .hasMessageContaining(
                        "[gradient-normalization] bn: gradient normalization RenormalizeL2PerLayer rescales");
        assertThatThrownBy(() -> assertThat(renormalized).inferenceMatchesTraining(data, 1e-3))
                .hasMessageContaining("Why: bn: gradient normalization RenormalizeL2PerLayer");
        assertThat(plain).passesBatchNormLint();
    }

    @Test
    void clipping_is_named_as_slowing_down() {
        assertThat(BatchNormLint.check(dense(GradientNormalization.ClipElementWiseAbsoluteValue)))
                .singleElement()
                .satisfies(f -> assertThat(f.message()).contains("clips its moving-statistic updates"));
    }

    @Test
    void decay_too_high_for_the_iterations_trained() {
        DataSet images = StoryModels.storyData(101);
        MultiLayerNetwork model = StoryModels.storyCnn(0.99, 1);
        StoryModels.train(model, images, 10);

        List<LintFinding> findings = BatchNormLint.check(model);

        assertThat(findings).hasSize(4).allSatisfy(f -> {
            assertThat(f.rule()).isEqualTo(LintFinding.DECAY_TOO_HIGH);
            // 0.99^10 = 0.9044 > 0.05; ln(0.05)/ln(0.99) = 298.07, so iteration 299
            assertThat(f.message()).contains("0.99^10 = 0.904").contains("will until iteration 299");
            assertThat(f.fix())
                    .contains("lower the decay (e.g. 0.9, at which the initial values weigh 0.05 or less from training "
                            + "iteration 29 on, counted from the first"); // ln(0.05)/ln(0.9) = 28.4
        });
        assertThat(BatchNormLint.iterationsToForget(0.99, 0.05)).isEqualTo(299);
    }

    @Test
    void frozen_layer_whose_statistics_do_not_match_the_data() {
        DataSet images = StoryModels.storyData(101);
        MultiLayerNetwork model = StoryModels.storyCnn(0.9, 1);
        StoryModels.train(model, images, 60);
        MultiLayerNetwork frozen = StoryModels.withFrozenFeatureExtractor(model);
        DataSet brighter = new DataSet(images.getFeatures().mul(3).addi(0.5), images.getLabels()); // new domain

        ConsistencyReport report = BatchNormInspector.inspect(frozen, brighter);

        assertThat(report.lint())
                .filteredOn(f -> f.rule().equals(LintFinding.FROZEN_MISMATCH))
                .singleElement()
                .satisfies(f -> {
                    assertThat(f.layer()).isEqualTo("bn1");
                    assertThat(f.fix()).contains("RecalibrationOptions.defaults().includingFrozenLayers()");
                });
    }

    @Test
    void dense_layer_probed_with_single_example_batches() {
        MultiLayerNetwork net = dense(GradientNormalization.None);
        DataSet data = denseData();

        ConsistencyReport report = BatchNormInspector.inspect(net, new ListDataSetIterator<>(data.asList(), 1));

        assertThat(report.probe().smallestBatch()).isEqualTo(1);
        assertThat(report.lint()).extracting(LintFinding::rule).contains(LintFinding.SINGLE_EXAMPLE_BATCHES);
        // not blamed on convergence: the data cannot measure the layer
        assertThat(report.layer("bn").orElseThrow().status()).isEqualTo(LayerStatus.UNSUPPORTED);
        assertThat(report.layer("bn").orElseThrow().unmeasured()).contains("dense input in probe batches of 1 example");
        assertThat(report.rootCause()).isEmpty();
    }

    /** BatchNormalization after a recurrent layer: [minibatch, channels, time] in NCHW format. */
    private static MultiLayerNetwork recurrent() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(1)
                .list()
                .layer(new SimpleRnn.Builder()
                        .nOut(4)
                        .activation(Activation.TANH)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .nOut(2)
                        .activation(Activation.IDENTITY)
                        .build())
                .setInputType(InputType.recurrent(3, 5))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    @Test
    void recurrent_input_in_nchw_format_is_reported_unsupported() {
        MultiLayerNetwork net = recurrent();

        // a minibatch of 4 = channels is the one size DL4J runs without an error, on meaningless statistics
        ConsistencyReport report = BatchNormInspector.inspect(net, Nd4j.rand(DataType.FLOAT, 4, 3, 5));

        assertThat(report.layer("bn").orElseThrow().status()).isEqualTo(LayerStatus.UNSUPPORTED);
        assertThat(report.lint()).extracting(LintFinding::rule).containsExactly(LintFinding.UNSUPPORTED_INPUT);
        assertThatThrownBy(() -> assertThat(net).hasConvergedBatchNormStatistics(Nd4j.rand(DataType.FLOAT, 4, 3, 5)))
                .hasMessageContaining("but 1 of 1 layers could not be measured on this data.");
        assertThatThrownBy(() -> assertThat(net).inferenceMatchesTraining(Nd4j.rand(DataType.FLOAT, 4, 3, 5), 1e-9))
                .hasMessageContaining("The likely cause is what the check could not measure: bn (input layout "
                        + "SEQUENCE_CHANNELS_FIRST, which DL4J cannot normalize).");
    }

    @Test
    void recurrent_input_of_another_minibatch_size_is_a_clear_error() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(recurrent(), Nd4j.rand(DataType.FLOAT, 6, 3, 5)))
                .withMessageContaining("could not run probe batch 0 (features [6, 3, 5])")
                .withMessageContaining(
                        "recurrent [minibatch, channels, time] input in NCHW format and rank-5 input are unsupported");
    }

    /**
     * Random batches never trip the composed-batches rule: not with a short last batch (whose mean spreads most),
     * nor with tiny batches. Each case over 20 seeds of random-normal data through Dense(32) -> BN.
     */
    @Test
    void random_batches_are_not_taken_for_composed_ones_even_with_a_short_last_batch() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(1)
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(8)
                        .nOut(32)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY)
                        .nOut(2)
                        .build())
                .setInputType(InputType.feedForward(8))
                .build());
        net.init();
        for (int[] sizes : List.of(
                new int[] {64, 64, 64, 1},
                new int[] {64, 64, 64, 4},
                new int[] {128, 128, 128, 128, 2},
                new int[] {2, 2, 2},
                new int[] {4, 4, 4},
                new int[] {32, 32, 32, 3})) {
            for (int seed = 0; seed < 20; seed++) {
                Nd4j.getRandom().setSeed(seed);
                List<DataSet> batches = new java.util.ArrayList<>();
                for (int size : sizes) {
                    batches.add(new DataSet(Nd4j.randn(DataType.FLOAT, size, 8), Nd4j.zeros(DataType.FLOAT, size, 2)));
                }
                ConsistencyReport report = BatchNormInspector.inspect(
                        net, new org.deeplearning4j.datasets.iterator.ExistingDataSetIterator(batches));
                assertThat(report.lint())
                        .as("batches %s, seed %d", java.util.Arrays.toString(sizes), seed)
                        .extracting(LintFinding::rule)
                        .doesNotContain(LintFinding.UNREPRESENTATIVE_PROBE_BATCHES);
            }
        }
    }
}
