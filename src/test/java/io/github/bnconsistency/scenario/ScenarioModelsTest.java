package io.github.bnconsistency.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.schedule.ISchedule;

/** The study's training setup does what the scenarios say, without training anything. */
@Tag("scenario")
class ScenarioModelsTest {

    @Test
    void decayed_rate_steps_down_to_a_thousandth_for_the_last_30_percent() {
        Scenario scenario =
                Scenario.ofIterations(Scenario.Architecture.DENSE, 16, 0.9, Scenario.LearningRate.DECAYED, 1, 384);
        ISchedule schedule = adamSchedule(ScenarioModels.build(scenario));

        assertThat(schedule.valueAt(0, 0)).isCloseTo(1e-2, within(1e-12));
        assertThat(schedule.valueAt(152, 0)).isCloseTo(1e-2, within(1e-12));
        assertThat(schedule.valueAt(153, 0)).isCloseTo(1e-3, within(1e-12));
        assertThat(schedule.valueAt(267, 0)).isCloseTo(1e-4, within(1e-12));
        assertThat(schedule.valueAt(268, 0)).isCloseTo(1e-5, within(1e-12));
        assertThat(schedule.valueAt(383, 0)).isCloseTo(1e-5, within(1e-12));
    }

    @Test
    void held_rate_stays() {
        Scenario scenario =
                Scenario.ofIterations(Scenario.Architecture.CNN, 64, 0.99, Scenario.LearningRate.HELD, 1, 384);
        ISchedule schedule = adamSchedule(ScenarioModels.build(scenario));

        assertThat(schedule.valueAt(383, 63)).isCloseTo(1e-2, within(1e-12));
    }

    @Test
    void iterator_yields_full_batches_of_every_example_once_and_reshuffles_on_reset() {
        List<DataSet> examples =
                ScenarioData.generate(Scenario.Architecture.DENSE, 3).training();
        ShufflingIterator iterator = new ShufflingIterator(examples, 16, new Random(5));

        List<Double> firstEpoch = firstFeatures(iterator);
        iterator.reset();
        List<Double> secondEpoch = firstFeatures(iterator);

        assertThat(firstEpoch).hasSize(ScenarioData.TRAINING_EXAMPLES);
        assertThat(new HashSet<>(firstEpoch)).hasSize(ScenarioData.TRAINING_EXAMPLES);
        assertThat(new HashSet<>(secondEpoch)).isEqualTo(new HashSet<>(firstEpoch));
        assertThat(secondEpoch).isNotEqualTo(firstEpoch);
    }

    @Test
    void data_is_the_same_for_the_same_seed_and_other_for_another() {
        DataSet one = ScenarioData.generate(Scenario.Architecture.CNN, 1).validation();

        assertThat(ScenarioData.generate(Scenario.Architecture.CNN, 1)
                        .validation()
                        .getFeatures())
                .isEqualTo(one.getFeatures());
        assertThat(ScenarioData.generate(Scenario.Architecture.CNN, 2)
                        .validation()
                        .getFeatures())
                .isNotEqualTo(one.getFeatures());
        // labels drawn at random, not in turn: batches composed like random ones
        Set<Long> classes = new HashSet<>();
        for (long label : one.getLabels().argMax(1).toLongVector()) {
            classes.add(label);
        }
        assertThat(classes).hasSize(ScenarioData.CLASSES);
    }

    /** The first feature of every example in iteration order, checking batch sizes on the way. */
    private static List<Double> firstFeatures(ShufflingIterator iterator) {
        List<Double> values = new ArrayList<>();
        while (iterator.hasNext()) {
            DataSet batch = iterator.next();
            assertThat(batch.numExamples()).isEqualTo(16);
            for (int i = 0; i < 16; i++) {
                values.add(batch.getFeatures().getDouble(i, 0));
            }
        }
        return values;
    }

    private static ISchedule adamSchedule(MultiLayerNetwork net) {
        BaseLayer layer =
                (BaseLayer) net.getLayerWiseConfigurations().getConf(0).getLayer();
        return ((Adam) layer.getIUpdater()).getLearningRateSchedule();
    }
}
