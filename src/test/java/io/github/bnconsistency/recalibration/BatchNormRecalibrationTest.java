package io.github.bnconsistency.recalibration;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.Recalibration;
import io.github.bnconsistency.RecalibrationOptions;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.testing.GraphModels;
import io.github.bnconsistency.testing.ModelSnapshot;
import io.github.bnconsistency.testing.OneShotIterators.OneShotDataSetIterator;
import io.github.bnconsistency.testing.StoryModels;
import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

class BatchNormRecalibrationTest {

    private static final DataSet IMAGES = StoryModels.storyData(101);
    private static MultiLayerNetwork story;

    @BeforeAll
    static void trainTheStoryModel() {
        story = StoryModels.storyCnn(0.99, 1);
        StoryModels.train(story, IMAGES, 10);
    }

    @Test
    void story_model_infers_as_it_trains_after_recalibration() {
        MultiLayerNetwork model = story.clone();
        ConsistencyReport before = BatchNormInspector.inspect(model, IMAGES);
        assertThat(before.output().inferenceAccuracy())
                .isLessThan(before.output().trainingAccuracy());

        Recalibration<MultiLayerNetwork> result = BatchNormRecalibration.recalibrate(model, IMAGES);

        assertThat(result.model()).isSameAs(model);
        assertThat(result.recalibratedLayers()).containsExactly("bn1", "bn2", "bn3", "bn4");
        assertThat(result.skippedLayers()).isEmpty();
        assertThat(result.before().divergingLayers()).hasSize(4);
        assertThat(result.after().layers()).allSatisfy(l -> {
            assertThat(l.status()).isEqualTo(LayerStatus.CONVERGED);
            assertThat(l.maxDivergence()).isLessThan(1e-5); // float storage of v* and mu*
        });
        ConsistencyReport after = BatchNormInspector.inspect(model, IMAGES);
        assertThat(after.output().inferenceAccuracy())
                .isEqualTo(after.output().trainingAccuracy())
                .isEqualTo(1.0);
        assertThat(model).inferenceMatchesTraining(IMAGES, 1e-4).hasConvergedBatchNormStatistics();
    }

    @Test
    void recalibrating_twice_changes_nothing_and_only_moving_statistics_change() {
        MultiLayerNetwork model = story.clone();
        Map<String, INDArray> original = copy(model.paramTable());

        BatchNormRecalibration.recalibrate(model, IMAGES);
        Map<String, INDArray> once = copy(model.paramTable());
        BatchNormRecalibration.recalibrate(model, IMAGES);

        assertThat(model.paramTable().keySet()).isEqualTo(once.keySet());
        for (String key : once.keySet()) {
            assertThat(bytes(model.paramTable().get(key)))
                    .as("second recalibration, %s", key)
                    .isEqualTo(bytes(once.get(key)));
            boolean movingStatistic = key.endsWith("_" + BatchNormalizationParamInitializer.GLOBAL_MEAN)
                    || key.endsWith("_" + BatchNormalizationParamInitializer.GLOBAL_LOG_STD)
                    || key.endsWith("_" + BatchNormalizationParamInitializer.GLOBAL_VAR);
            if (!movingStatistic) {
                assertThat(bytes(once.get(key)))
                        .as("not a moving statistic: %s", key)
                        .isEqualTo(bytes(original.get(key)));
            } else {
                assertThat(bytes(once.get(key))).as("moving statistic %s", key).isNotEqualTo(bytes(original.get(key)));
            }
        }
    }

    @Test
    void recalibrated_copy_leaves_the_original_untouched() {
        MultiLayerNetwork original = story.clone();
        original.setIterationCount(story.getIterationCount());
        ModelSnapshot before = ModelSnapshot.of(original);

        Recalibration<MultiLayerNetwork> copy = BatchNormRecalibration.recalibratedCopy(original, IMAGES);

        assertThat(ModelSnapshot.of(original)).isEqualTo(before);
        assertThat(copy.model()).isNotSameAs(original);
        assertThat(copy.model().getIterationCount()).isEqualTo(original.getIterationCount());
        assertThat(copy.model()).inferenceMatchesTraining(IMAGES, 1e-4);
    }

    @ParameterizedTest(name = "useLogStd={0}")
    @ValueSource(booleans = {false, true})
    void writes_the_average_of_batch_means_and_biased_variances_in_the_layer_storage(boolean useLogStd) {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.NHWC, useLogStd, 0.9, 1e-5);
        Random random = new Random(21);
        List<DataSet> batches = new ArrayList<>();
        double[] muStar = new double[TinyNetworks.CHANNELS];
        double[] vStar = new double[TinyNetworks.CHANNELS];
        for (int b = 0; b < 3; b++) {
            double[][][] values = TinyNetworks.randomValues(Layout.NHWC, 3 + b, random);
            batches.add(new DataSet(TinyNetworks.features(Layout.NHWC, values), null));
            double[][] stats = TinyNetworks.meanAndBiasedVariance(values);
            for (int c = 0; c < muStar.length; c++) {
                muStar[c] += stats[0][c] / 3;
                vStar[c] += stats[1][c] / 3;
            }
        }

        BatchNormRecalibration.recalibrate(net, ProbeData.of(new OneShotDataSetIterator(batches)));

        double[] mean = net.getLayer(0)
                .getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN)
                .toDoubleVector();
        double[] variance = useLogStd
                ? net.getLayer(0)
                        .getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD)
                        .toDoubleVector()
                : net.getLayer(0)
                        .getParam(BatchNormalizationParamInitializer.GLOBAL_VAR)
                        .toDoubleVector();
        for (int c = 0; c < muStar.length; c++) {
            assertThat(mean[c]).isCloseTo(muStar[c], within(1e-12));
            double stored = useLogStd ? Math.pow(Math.pow(10, variance[c]), 2) : variance[c];
            assertThat(stored).isCloseTo(vStar[c], within(1e-12));
        }
    }

    @Test
    void frozen_layers_are_left_alone_unless_asked() {
        MultiLayerNetwork frozen = StoryModels.withFrozenFeatureExtractor(story.clone());

        Recalibration<MultiLayerNetwork> byDefault = BatchNormRecalibration.recalibratedCopy(frozen, IMAGES);
        assertThat(byDefault.skippedLayers()).containsOnlyKeys("bn1");
        assertThat(byDefault.skippedLayers().get("bn1")).startsWith("frozen");
        assertThat(byDefault.after().layer("bn1").orElseThrow().isDiverging()).isTrue();
        assertThat(byDefault.after().layer("bn2").orElseThrow().status()).isEqualTo(LayerStatus.CONVERGED);

        Recalibration<MultiLayerNetwork> included = BatchNormRecalibration.recalibratedCopy(
                frozen, ProbeData.of(IMAGES), RecalibrationOptions.defaults().includingFrozenLayers());
        assertThat(included.recalibratedLayers()).contains("bn1");
        assertThat(included.after().layers())
                .allSatisfy(l -> assertThat(l.status()).isEqualTo(LayerStatus.CONVERGED));
        // the frozen bn1 normalizes with its moving statistics in training too: the layers after it were measured
        // again on their new inputs, so the model itself (not only the after() report) is consistent
        assertThat(included.model()).inferenceMatchesTraining(IMAGES, 1e-4).hasConvergedBatchNormStatistics(IMAGES);
        assertThat(BatchNormRecalibration.recalibrate(
                                included.model(),
                                ProbeData.of(IMAGES),
                                RecalibrationOptions.defaults().includingFrozenLayers())
                        .after()
                        .layers())
                .allSatisfy(l -> assertThat(l.maxDivergence()).isLessThan(1e-4));
    }

    @Test
    void frozen_layers_are_recalibrated_only_on_probe_data_that_can_be_read_again() {
        MultiLayerNetwork frozen = StoryModels.withFrozenFeatureExtractor(story.clone());
        ModelSnapshot before = ModelSnapshot.of(frozen);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormRecalibration.recalibrate(
                        frozen,
                        ProbeData.of(new OneShotDataSetIterator(IMAGES.asList())),
                        RecalibrationOptions.defaults().includingFrozenLayers()))
                .withMessageContaining("Recalibrating frozen layer 'bn1' changes the inputs of the layers after it")
                .withMessageContaining("can be read only once")
                .withMessageContaining("an iterator that supports reset");
        assertThat(ModelSnapshot.of(frozen)).isEqualTo(before);
    }

    @Test
    void residual_graph_is_recalibrated() {
        ComputationGraph graph = GraphModels.residualCnn(0.99, 4, true);
        for (int i = 0; i < 5; i++) {
            graph.fit(IMAGES);
        }

        Recalibration<ComputationGraph> result = BatchNormRecalibration.recalibrate(graph, IMAGES);

        assertThat(result.recalibratedLayers()).containsExactly("bn1", "bn2a", "bn2b", "bn3");
        assertThat(graph).inferenceMatchesTraining(IMAGES, 1e-4);
    }

    @Test
    void reports_of_a_recalibration_compare_no_outputs_and_say_so() {
        Recalibration<MultiLayerNetwork> result = BatchNormRecalibration.recalibratedCopy(story, IMAGES);

        assertThat(result.after().output().isMeasured()).isFalse();
        assertThatIllegalArgumentException()
                .isThrownBy(() -> assertThat(result.after()).inferenceMatchesTraining(1e-3))
                .withMessageContaining("compares no outputs");
        assertThat(result.after()).hasConvergedBatchNormStatistics();
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> params) {
        Map<String, INDArray> copy = new java.util.LinkedHashMap<>();
        params.forEach((k, v) -> copy.put(k, v.dup()));
        return copy;
    }

    private static byte[] bytes(INDArray array) {
        return array.dup().data().asBytes();
    }
}
