package io.github.bnconsistency.internal.engine;

import static io.github.bnconsistency.testing.DropoutModels.data;
import static io.github.bnconsistency.testing.DropoutModels.dense;
import static io.github.bnconsistency.testing.DropoutModels.train;
import static io.github.bnconsistency.testing.DropoutModels.validation;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.api.BatchNormAssertions;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.TextReport;
import io.github.bnconsistency.report.VarianceShift;
import io.github.bnconsistency.testing.DropoutModels;
import io.github.bnconsistency.testing.DropoutModels.Noise;
import io.github.bnconsistency.testing.ModelSnapshot;
import io.github.bnconsistency.testing.StoryModels;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * Issue 13's first repro: a {@code DropoutLayer(0.5)} directly before a BatchNormalization layer (the Keras
 * {@code keras2_mlp} pattern), trained in shuffled mini-batches until the weights settle. The moving variance has
 * converged, to the variance with dropout active; inference sees the dropout-free one. The report says so (a
 * variance shift, naming the dropout layer, with the shift the dropout makes) and advises recalibration, never more
 * training; recalibration then makes the model consistent.
 */
class VarianceShiftTest {

    private static final double RETAIN = DropoutModels.RETAIN;
    private static final int BATCH = DropoutModels.BATCH;
    private static final Pattern TRAIN = Pattern.compile("\\btrain (~\\d+ more|longer|the model)");

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void dropout_before_batch_norm_is_a_variance_shift_fixed_by_recalibration(long seed) {
        DataSet data = data(seed);
        MultiLayerNetwork model = DropoutModels.trained(seed); // shared: checks leave it unchanged

        for (ConsistencyReport report : List.of(
                BatchNormInspector.inspect(model, validation(data, seed)), BatchNormInspector.inspect(model, data))) {
            String text = TextReport.render(report);
            LayerFinding bn = report.layers().get(0);
            assertThat(bn.status()).as(text).isEqualTo(LayerStatus.VARIANCE_SHIFT);
            VarianceShift shift = bn.varianceShift().orElseThrow();
            assertThat(shift.sources())
                    .containsExactly("drop (DropoutLayer, layer index 1: dropout, retain probability 0.5)");
            assertThat(text)
                    .contains("Root cause: bn")
                    .contains("a variance shift")
                    .contains("drop (DropoutLayer");
            String fix = String.join(", or ", report.fixes());
            assertThat(TRAIN.matcher(fix).find()).as(fix).isFalse();
            assertThat(fix)
                    .contains("BatchNormRecalibration.recalibrate")
                    .contains("move drop after the BatchNormalization layer");
            assertThat(text).doesNotContain("more iterations");
        }

        // recalibration on the noise-free path is the fix that works
        MultiLayerNetwork recalibrated = model.clone();
        BatchNormRecalibration.recalibrate(recalibrated, data);
        ConsistencyReport after = BatchNormInspector.inspect(recalibrated, validation(data, seed));
        assertThat(after.layers().get(0).status().isConverged())
                .as(TextReport.render(after))
                .isTrue();
    }

    /**
     * Dropout of another kind on the layer feeding the BN layer (applied to that layer's input), additive noise, and
     * weight noise: each makes the training-time statistics differ from inference's, the report names the layer and
     * the noise, and never advises training.
     */
    @ParameterizedTest
    @EnumSource(
            value = Noise.class,
            names = {"GAUSSIAN_DROPOUT_ON_DENSE", "GAUSSIAN_NOISE_ON_DENSE", "WEIGHT_NOISE_ON_DENSE"})
    void noise_on_the_feeding_layer_is_a_variance_shift(Noise noise) {
        for (long seed : new long[] {1, 2}) {
            DataSet data = data(seed);
            MultiLayerNetwork model = dense(seed, noise, 0.9);
            train(model, data, 40, seed);

            ConsistencyReport report = BatchNormInspector.inspect(model, validation(data, seed));

            String text = TextReport.render(report);
            LayerFinding bn = report.layers().get(0);
            assertThat(bn.status()).as(text).isEqualTo(LayerStatus.VARIANCE_SHIFT);
            String described = switch (noise) {
                case GAUSSIAN_DROPOUT_ON_DENSE -> "Gaussian dropout on its input, rate 0.5";
                case GAUSSIAN_NOISE_ON_DENSE -> "Gaussian noise on its input, standard deviation 3.0";
                default -> "weight noise";
            };
            assertThat(bn.varianceShift().orElseThrow().sources())
                    .containsExactly("dense (DenseLayer, layer index 0: " + described + ")");
            assertThat(bn.varianceShift().orElseThrow().minShift()).isGreaterThan(1);
            assertThat(TRAIN.matcher(String.join(", or ", report.fixes())).find())
                    .as(text)
                    .isFalse();
        }
    }

    /**
     * Network-wide dropout ({@code NeuralNetConfiguration.Builder.dropOut(0.5)}) reaches both dense layers' inputs (a
     * review as a new user: Dense(32, relu) - Dense(16) - BN - ReLU - softmax, 30 epochs of shuffled batches of 32).
     * Probed with 960 examples it is a variance shift naming both, and the advice takes the dropout off the dense
     * layers rather than moving them. (Probed with 192 the layer is within its wide noise floor and stays so: see
     * {@code Inspection.candidates}.)
     */
    @ParameterizedTest
    @ValueSource(longs = {7, 8})
    void network_wide_dropout_is_a_variance_shift_naming_the_layers_it_is_set_on(long seed) {
        MultiLayerNetwork model = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(seed)
                .weightInit(org.deeplearning4j.nn.weights.WeightInit.XAVIER)
                .updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.995)))
                .dropOut(0.5)
                .list()
                .layer(new DenseLayer.Builder()
                        .nOut(32)
                        .activation(Activation.RELU)
                        .build())
                .layer(new DenseLayer.Builder()
                        .nOut(16)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer.Builder().activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(10))
                .build());
        model.init();
        DataSet training = gaussianClasses(640, 1);
        for (int epoch = 0; epoch < 30; epoch++) {
            DataSet shuffled = training.copy();
            shuffled.shuffle(1000 + epoch);
            model.fit(new ExistingDataSetIterator(shuffled.batchBy(32)));
        }

        ConsistencyReport report = BatchNormInspector.inspect(
                model, new ExistingDataSetIterator(gaussianClasses(960, 3).batchBy(32)));

        String text = TextReport.render(report);
        LayerFinding bn = report.layers().get(0);
        assertThat(bn.status()).as(text).isEqualTo(LayerStatus.VARIANCE_SHIFT);
        assertThat(bn.varianceShift().orElseThrow().sources())
                .containsExactly(
                        "layer0 (DenseLayer, layer index 0: dropout on its input, retain probability 0.5)",
                        "layer1 (DenseLayer, layer index 1: dropout on its input, retain probability 0.5)");
        assertThat(String.join(", or ", report.fixes()))
                .as(text)
                .contains("take the dropout or weight noise off layer0, layer1 (.dropOut(null), .weightNoise(null)) "
                        + "and put a DropoutLayer after the BatchNormalization layer")
                .doesNotContain("move layer");
        assertThat(report.lint()).extracting(l -> l.rule()).contains("dropout-ignored"); // on the BN layer itself
    }

    /** {@code n} examples of 3 Gaussian classes (centres fixed, spread 1) in 10 features. */
    private static DataSet gaussianClasses(int n, long seed) {
        Random centres = new Random(99);
        double[][] centre = new double[3][10];
        for (double[] c : centre) {
            for (int f = 0; f < c.length; f++) {
                c[f] = 3 * centres.nextGaussian();
            }
        }
        Random random = new Random(seed);
        double[][] x = new double[n][10];
        double[][] y = new double[n][3];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(3);
            for (int f = 0; f < 10; f++) {
                x[i][f] = centre[c][f] + random.nextGaussian();
            }
            y[i][c] = 1;
        }
        return new DataSet(Nd4j.create(x).castTo(DataType.FLOAT), Nd4j.create(y).castTo(DataType.FLOAT));
    }

    /**
     * In a ComputationGraph the dropout is found through the graph's vertices: a DropoutLayer on one branch of an
     * element-wise sum that feeds the BN layer. The other branch's dense layer carries none.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void dropout_on_a_graph_branch_is_a_variance_shift(long seed) {
        DataSet data = data(seed);
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(new ExponentialSchedule(ScheduleType.ITERATION, 1e-2, 0.996)))
                .graphBuilder()
                .addInputs("in")
                .addLayer(
                        "a",
                        new DenseLayer.Builder()
                                .nOut(12)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "in")
                .addLayer("drop", new DropoutLayer.Builder(RETAIN).build(), "a")
                .addLayer(
                        "b",
                        new DenseLayer.Builder()
                                .nOut(12)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "in")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "drop", "b")
                .addLayer("bn", new BatchNormalization.Builder().decay(0.9).build(), "sum")
                .addLayer(
                        "relu",
                        new ActivationLayer.Builder()
                                .activation(Activation.RELU)
                                .build(),
                        "bn")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .nOut(3)
                                .activation(Activation.SOFTMAX)
                                .build(),
                        "relu")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(6))
                .build());
        graph.init();
        Random random = new Random(seed);
        for (int epoch = 0; epoch < 40; epoch++) {
            graph.fit(new ExistingDataSetIterator(StoryModels.shuffledBatches(data.asList(), BATCH, random)));
        }

        ConsistencyReport report = BatchNormInspector.inspect(graph, validation(data, seed));

        LayerFinding bn = report.layers().get(0);
        assertThat(bn.status()).as(TextReport.render(report)).isEqualTo(LayerStatus.VARIANCE_SHIFT);
        assertThat(bn.varianceShift().orElseThrow().sources())
                .containsExactly("drop (DropoutLayer: dropout, retain probability 0.5)");
    }

    /**
     * The shift, derived by hand: inverted dropout keeps an activation x with probability p as x/p, so the mean stays
     * and the second moment becomes E[x^2]/p: Var_train = Var + (1/p - 1) E[x^2]. The inference-time Var and mean of
     * the BN input are those of the dense layer's outputs on the data, computed here in double.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void the_measured_shift_is_the_one_dropout_makes(long seed) {
        DataSet data = data(seed);
        MultiLayerNetwork model = DropoutModels.trained(seed); // shared: checks leave it unchanged

        VarianceShift shift = BatchNormInspector.inspect(model, validation(data, seed))
                .layers()
                .get(0)
                .varianceShift()
                .orElseThrow();

        INDArray dense =
                model.feedForwardToLayer(0, data.getFeatures(), false).get(1).castTo(DataType.DOUBLE);
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < dense.columns(); c++) {
            double[] x = dense.getColumn(c).toDoubleVector();
            double mean = java.util.Arrays.stream(x).average().orElseThrow();
            double square = java.util.Arrays.stream(x).map(v -> v * v).average().orElseThrow();
            double variance = square - mean * mean;
            double ratio = (variance + (1 / RETAIN - 1) * square) / variance;
            min = Math.min(min, ratio);
            max = Math.max(max, ratio);
        }
        // sampling: 480 examples' dropout masks, so a few percent
        assertThat(shift.minShift()).isCloseTo(min, org.assertj.core.data.Percentage.withPercentage(12));
        assertThat(shift.maxShift()).isCloseTo(max, org.assertj.core.data.Percentage.withPercentage(12));
    }

    /** Doc-sync: README's "Variance shift" paragraph shows this report's first, root-cause and Fix lines as they are. */
    @org.junit.jupiter.api.Test
    void readme_shows_the_variance_shift_report_as_it_is_doc_sync() throws Exception {
        String text = TextReport.render(BatchNormInspector.inspect(DropoutModels.trained(1), validation(data(1), 1)));
        String shown = text.lines()
                .filter(l -> l.startsWith("Inference vs") || l.startsWith("Root cause") || l.startsWith("Fix:"))
                .collect(java.util.stream.Collectors.joining("\n"));

        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("README.md")))
                .contains("```\n" + shown + "\n```\n");
    }

    /** The assertions fail on it, saying what it is, and the output check shows the effect on the outputs. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void the_assertions_fail_naming_the_variance_shift(long seed) {
        DataSet data = data(seed);
        MultiLayerNetwork model = DropoutModels.trained(seed); // shared: checks leave it unchanged

        assertThatThrownBy(() -> BatchNormAssertions.assertThat(model)
                        .probedWith(validation(data, seed))
                        .hasConvergedBatchNormStatistics())
                .hasMessageContaining("but 1 of 1 layers have converged to statistics with the training-only noise "
                        + "upstream, which inference does not see (a variance shift).")
                .hasMessageNotContaining("have not converged");
        assertThatThrownBy(() -> BatchNormAssertions.assertThat(model).inferenceMatchesTraining(data, 1e-3))
                .hasMessageContaining("a variance shift")
                .hasMessageContaining("BatchNormRecalibration.recalibrate");
    }

    /**
     * The sweep that keeps the dropout runs on a copy sharing the parameters, on its own thread: the model is
     * bit-identical afterwards, and the caller's ND4J random stream (which the model's next fit draws its dropout
     * masks from) is where it was.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void the_noisy_sweep_leaves_the_model_and_the_random_stream_as_they_were(long seed) {
        DataSet data = data(seed);
        MultiLayerNetwork model = DropoutModels.trained(seed); // shared: checks leave it unchanged
        ModelSnapshot before = ModelSnapshot.of(model);
        Nd4j.getRandom().setSeed(77);
        long[] expected = {Nd4j.getRandom().nextLong(), Nd4j.getRandom().nextLong()};

        Nd4j.getRandom().setSeed(77);
        ConsistencyReport report = BatchNormInspector.inspect(model, validation(data, seed));

        assertThat(report.layers().get(0).status()).isEqualTo(LayerStatus.VARIANCE_SHIFT); // the sweep ran
        assertThat(new long[] {Nd4j.getRandom().nextLong(), Nd4j.getRandom().nextLong()})
                .containsExactly(expected);
        assertThat(ModelSnapshot.of(model)).isEqualTo(before);
        // the same data gives the same report: the sweep seeds its own thread's generator
        assertThat(BatchNormInspector.inspect(model, validation(data, seed))
                        .layers()
                        .get(0)
                        .varianceShift())
                .isEqualTo(report.layers().get(0).varianceShift());
    }

    /** Without the dropout the same training converges the statistics: no shift, nothing flagged. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void without_dropout_the_same_training_converges(long seed) {
        DataSet data = data(seed);
        MultiLayerNetwork model = dense(seed, Noise.NONE, 0.9);
        train(model, data, 40, seed);

        ConsistencyReport report = BatchNormInspector.inspect(model, validation(data, seed));

        assertThat(report.layers().get(0).status().isConverged())
                .as(TextReport.render(report))
                .isTrue();
    }

    /**
     * Dropout upstream does not excuse statistics that have not converged: 6 iterations at decay 0.99 leave them near
     * their initial values, far from the training-time statistics too, and the advice is to train.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void an_undertrained_layer_behind_dropout_is_not_converged(long seed) {
        DataSet data = data(seed);
        MultiLayerNetwork model = dense(seed, Noise.DROPOUT_LAYER, 0.99);
        Random random = new Random(seed);
        List<DataSet> batches = StoryModels.shuffledBatches(data.asList(), BATCH, random);
        model.fit(new ExistingDataSetIterator(batches.subList(0, 6)));

        ConsistencyReport report = BatchNormInspector.inspect(model, validation(data, seed));

        assertThat(report.layers().get(0).status())
                .as(TextReport.render(report))
                .isEqualTo(LayerStatus.NOT_CONVERGED);
        assertThat(report.layers().get(0).varianceShift()).isEmpty();
        assertThat(String.join(", or ", report.fixes())).contains("more iterations");
    }
}
