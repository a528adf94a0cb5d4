package io.github.bnconsistency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.github.bnconsistency.BatchNormConvergenceListener.Snapshot;
import io.github.bnconsistency.BatchNormConvergenceListener.UpdateDeviation;
import io.github.bnconsistency.internal.engine.ConvergenceProbe;
import io.github.bnconsistency.internal.engine.UpdateAudit;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.testing.StoryModels;
import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
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

/**
 * The listener's update audit: each monitored iteration's moving statistics must move as
 * {@code new = d*old + (1-d)*batch}. Real models trained as users train them (shuffled mini-batches from an iterator).
 */
class UpdateAuditTest {

    /** Dense -> BN (log-std storage) -> dense -> BN (variance storage) -> softmax. */
    private static MultiLayerNetwork dense(GradientNormalization normalization, long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(1e-2))
                .gradientNormalization(normalization)
                .list()
                .layer(new DenseLayer.Builder()
                        .nOut(8)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn1").decay(0.9).build())
                .layer(new DenseLayer.Builder()
                        .nOut(6)
                        .activation(Activation.RELU)
                        .build())
                .layer(new BatchNormalization.Builder()
                        .name("bn2")
                        .decay(0.99)
                        .useLogStd(false)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.feedForward(4))
                .build());
        net.init();
        return net;
    }

    /** 384 examples of 3 classes, features of scale {@code scale}, as single-example DataSets. */
    private static List<DataSet> examples(long seed, double scale) {
        Nd4j.getRandom().setSeed(seed);
        INDArray labels = Nd4j.eye(3).repeat(0, 128).castTo(DataType.FLOAT);
        INDArray features = Nd4j.randn(DataType.FLOAT, 384, 4)
                .addi(labels.mmul(Nd4j.rand(DataType.FLOAT, 3, 4).muli(3)))
                .muli(scale);
        return new DataSet(features, labels).asList();
    }

    private static void train(MultiLayerNetwork net, List<DataSet> examples, int batchSize, int epochs, long seed) {
        Random random = new Random(seed);
        for (int e = 0; e < epochs; e++) {
            net.fit(new ExistingDataSetIterator(StoryModels.shuffledBatches(examples, batchSize, random)));
        }
    }

    private static List<String> deviating(List<Snapshot> snapshots) {
        return snapshots.stream()
                .flatMap(s -> s.updateDeviations().stream())
                .map(UpdateDeviation::layer)
                .distinct()
                .toList();
    }

    /**
     * Known answer, on a real one-layer model in each storage: its statistics set by hand to what an update at
     * decay 0.95 gives (configured 0.9) are measured at effective decay 0.95; set to what decay 0.9 gives, they follow.
     */
    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void the_effective_decay_is_measured_in_either_storage(boolean useLogStd) {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.NCHW, useLogStd, 0.9, 1e-5);
        double[][][] values = TinyNetworks.randomValues(Layout.NCHW, 16, new Random(5));
        INDArray features = TinyNetworks.features(Layout.NCHW, values);
        double[][] batch = TinyNetworks.meanAndBiasedVariance(values);
        double[] oldMean = {0.5, -1, 2};
        double[] oldVariance = {2, 0.3, 9};
        TinyNetworks.setMovingStatistics(net.getLayer(0), oldMean, oldVariance);
        ConvergenceProbe probe = new ConvergenceProbe(net, 0.05);
        List<LayerFinding> before = probe.findings(net.feedForward(features, true));

        for (double decay : new double[] {0.95, 0.9}) {
            double[] mean = new double[3];
            double[] variance = new double[3];
            for (int c = 0; c < 3; c++) {
                mean[c] = decay * oldMean[c] + (1 - decay) * batch[0][c];
                variance[c] = decay * oldVariance[c] + (1 - decay) * batch[1][c];
            }
            TinyNetworks.setMovingStatistics(net.getLayer(0), mean, variance);

            UpdateAudit.Result result = probe.audit(before).get(0);

            assertThat(result.measurable()).isTrue();
            assertThat(result.effectiveDecay()).isCloseTo(decay, within(1e-6));
            assertThat(result.deviates()).isEqualTo(decay != 0.9);
        }
    }

    /** Gradient normalization rescales the moving-statistic updates: flagged within the first few iterations. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void gradient_normalization_is_flagged_within_a_few_iterations(long seed) {
        MultiLayerNetwork net = dense(GradientNormalization.RenormalizeL2PerLayer, seed);
        BatchNormConvergenceListener listener = BatchNormConvergenceListener.every(1);
        net.setListeners(listener);

        net.fit(new ExistingDataSetIterator(StoryModels.shuffledBatches(examples(seed, 1), 32, new Random(seed))
                .subList(0, 5)));

        List<Snapshot> snapshots = listener.snapshots();
        assertThat(snapshots).hasSize(5);
        assertThat(deviating(snapshots)).containsExactlyInAnyOrder("bn1", "bn2");
        assertThat(snapshots.get(0).updateDeviations())
                .isNotEmpty()
                // the step it took, against the step the decay prescribes: off by more than the 5% tolerance
                .allSatisfy(d ->
                        assertThat((1 - d.effectiveDecay()) / (1 - d.decay())).isNotCloseTo(1.0, within(0.05)));
        assertThat(snapshots.get(0).toString()).contains("; moving statistics not following their decay: bn");
    }

    /** A frozen BN layer (transfer learning to a new domain) never updates: flagged at every iteration, alone. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void a_frozen_layer_is_flagged_as_not_updating(long seed) {
        DataSet images = StoryModels.images(48, seed);
        MultiLayerNetwork trained = StoryModels.storyCnn(0.9, seed);
        train(trained, images.asList(), 12, 5, seed);
        MultiLayerNetwork frozen = new TransferLearning.Builder(trained)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().build())
                .setFeatureExtractor(2) // conv1, bn1, relu1
                .build();
        BatchNormConvergenceListener listener = BatchNormConvergenceListener.every(1);
        frozen.setListeners(listener);
        DataSet brighter = new DataSet(images.getFeatures().mul(3).addi(0.5), images.getLabels()); // a new domain

        train(frozen, brighter.asList(), 12, 2, seed);

        List<Snapshot> snapshots = listener.snapshots();
        assertThat(snapshots)
                .hasSize(8)
                .allSatisfy(s -> assertThat(s.updateDeviations())
                        .singleElement()
                        .satisfies(d -> {
                            assertThat(d.layer()).isEqualTo("bn1");
                            assertThat(d.notUpdating()).isTrue();
                            assertThat(d.effectiveDecay()).isCloseTo(1.0, within(1e-3));
                            assertThat(d.toString()).isEqualTo("bn1 (effective decay 1 for 0.9: not updating)");
                        }));
    }

    /**
     * A plain model is never flagged: dense (both storages, decays 0.9 and 0.99) over 300 iterations and the story
     * CNN over 100, every iteration audited. DL4J's update is exact algebra, so only rounding separates the observed
     * step from the expected one; the audit's tolerance is 0.05 of the step plus ten times its worst-case rounding
     * bound. Measured here besides: the largest |r - 1| over every judged audit, well below 0.05.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void a_plain_model_is_never_flagged(long seed) {
        MultiLayerNetwork net = dense(GradientNormalization.None, seed);
        BatchNormConvergenceListener listener = BatchNormConvergenceListener.every(1);
        StepRatios ratios = new StepRatios();
        net.setListeners(listener, ratios);
        train(net, examples(seed, 1), 32, 25, seed); // 12 batches an epoch: 300 iterations

        DataSet images = StoryModels.images(48, seed);
        MultiLayerNetwork cnn = StoryModels.storyCnn(0.9, seed);
        BatchNormConvergenceListener cnnListener = BatchNormConvergenceListener.every(1);
        cnn.setListeners(cnnListener, ratios);
        train(cnn, images.asList(), 12, 25, seed); // 4 batches an epoch: 100 iterations

        assertThat(listener.snapshots()).hasSize(300);
        assertThat(cnnListener.snapshots()).hasSize(100);
        assertThat(deviating(listener.snapshots())).isEmpty();
        assertThat(deviating(cnnListener.snapshots())).isEmpty();
        assertThat(ratios.judged).isGreaterThan(300);
        System.out.printf(
                "seed %d: %d audits judged, %d too small to judge, max |r - 1| %.3g%n",
                seed, ratios.judged, ratios.unjudged, ratios.maxDeviation);
        assertThat(ratios.maxDeviation).isLessThan(0.01);
    }

    /** The audit's raw step ratios, by the same probe the listener uses. */
    private static final class StepRatios extends BaseTrainingListener {
        private ConvergenceProbe probe;
        private List<LayerFinding> before;
        int judged;
        int unjudged;
        double maxDeviation;

        @Override
        public void onForwardPass(Model model, List<INDArray> activations) {
            if (probe == null || !probe.isFor(model)) {
                probe = new ConvergenceProbe(model, 0.05);
            }
            before = probe.findings(activations);
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            for (UpdateAudit.Result r : probe.audit(before)) {
                if (r.measurable()) {
                    judged++;
                    maxDeviation = Math.max(maxDeviation, Math.abs(r.stepRatio() - 1));
                } else {
                    unjudged++;
                }
            }
        }
    }

    @Test
    void the_listener_changes_neither_the_model_nor_its_random_stream() {
        List<DataSet> examples = examples(4, 1);
        MultiLayerNetwork watched = dense(GradientNormalization.None, 4);
        MultiLayerNetwork alone = dense(GradientNormalization.None, 4);
        watched.setListeners(BatchNormConvergenceListener.every(1));

        Nd4j.getRandom().setSeed(9);
        train(watched, examples, 32, 2, 4);
        double afterWatched = Nd4j.getRandom().nextDouble();
        Nd4j.getRandom().setSeed(9);
        train(alone, examples, 32, 2, 4);
        double afterAlone = Nd4j.getRandom().nextDouble();

        assertThat(watched.params()).isEqualTo(alone.params());
        assertThat(afterWatched).isEqualTo(afterAlone);
    }
}
