package io.github.bnconsistency.scenario;

import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.probe.ProbeData;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Runs one scenario end to end: trains the model, builds its truth copy, labels it, asks the library, and
 * compares the library's own recalibration with the truth.
 */
final class ScenarioStudy {

    /**
     * Reshuffled epochs the truth averages over. The standard error of the target mean is about S/sqrt(epochs *
     * examples) whatever the batch size (S: the spread of the input between examples), so 40 epochs of 384
     * examples leave ~0.8% of S (a forward pass of the CNN over all 384 examples costs ~0.15 s here).
     */
    static final int TRUTH_EPOCHS = 40;

    private ScenarioStudy() {}

    /**
     * The trained model and its truth copy, for tests that look at them directly.
     *
     * @param targets      the truth: each BN layer's target statistics at the training batch size
     * @param truthCopy    a clone of the model holding {@code targets} as moving statistics
     * @param trainSeconds wall time of training
     * @param truthSeconds wall time of computing the targets and making the copy
     */
    record Trained(
            Scenario scenario,
            ScenarioData data,
            MultiLayerNetwork model,
            List<LayerTarget> targets,
            MultiLayerNetwork truthCopy,
            double trainSeconds,
            double truthSeconds) {}

    /** Trains the scenario's model and makes its truth copy. */
    static Trained train(Scenario scenario) {
        long start = System.nanoTime();
        ScenarioData data = ScenarioData.generate(scenario.architecture(), scenario.seed());
        MultiLayerNetwork model = ScenarioModels.build(scenario);
        ScenarioModels.train(model, data, scenario);
        long trained = System.nanoTime();
        // its own stream of the seed: other batches than training saw
        List<LayerTarget> targets = BatchAverageTargets.estimate(
                model, data.training(), scenario.batchSize(), TRUTH_EPOCHS, new Random(scenario.seed() * 31 + 2));
        MultiLayerNetwork truthCopy = BatchNormParams.copyWith(model, targets);
        return new Trained(
                scenario,
                data,
                model,
                targets,
                truthCopy,
                seconds(start, trained),
                seconds(trained, System.nanoTime()));
    }

    /** Trains the scenario and evaluates it. */
    static ScenarioResult run(Scenario scenario) {
        return evaluate(train(scenario));
    }

    /** Labels a trained model by its truth copy, asks the library, and compares the library's recalibration. */
    static ScenarioResult evaluate(Trained trained) {
        Scenario scenario = trained.scenario();
        ScenarioData data = trained.data();
        MultiLayerNetwork model = trained.model();
        long start = System.nanoTime();
        TruthComparison truth = TruthComparison.of(model, trained.truthCopy(), data.validation());
        List<StatisticsGap> perExample =
                gaps(trained.targets(), PerExampleTargets.closedForm(model, data.training(), scenario.batchSize()));
        long truthDone = System.nanoTime();

        Map<ProbeForm, LibraryVerdicts> verdicts = new EnumMap<>(ProbeForm.class);
        for (ProbeForm form : ProbeForm.values()) {
            verdicts.put(form, LibraryVerdicts.of(model, () -> form.data(data.validation(), scenario.batchSize())));
        }
        // the library's recalibration on what a user would hand it: one shuffled pass at the training batch size
        MultiLayerNetwork recalibrated = BatchNormRecalibration.recalibratedCopy(
                        model,
                        ProbeData.of(new ShufflingIterator(
                                data.training(), scenario.batchSize(), new Random(scenario.seed() * 31 + 3))))
                .model();
        List<StatisticsGap> recalibrationGap = new ArrayList<>();
        for (int l = 0; l < trained.targets().size(); l++) {
            LayerTarget target = trained.targets().get(l);
            double[][] stats = BatchNormParams.read(recalibrated.getLayer(target.layerIndex()));
            recalibrationGap.add(StatisticsGap.between(target, l, stats[0], stats[1]));
        }
        double recalibrationAgreement = TruthComparison.of(recalibrated, trained.truthCopy(), data.validation())
                .agreement();
        long end = System.nanoTime();

        return new ScenarioResult(
                scenario,
                truth,
                verdicts,
                perExample,
                recalibrationGap,
                recalibrationAgreement,
                trained.trainSeconds(),
                trained.truthSeconds() + seconds(start, truthDone),
                seconds(truthDone, end));
    }

    /** Per layer, {@code other} against the truth {@code targets}. */
    private static List<StatisticsGap> gaps(List<LayerTarget> targets, List<LayerTarget> other) {
        List<StatisticsGap> gaps = new ArrayList<>();
        for (int l = 0; l < targets.size(); l++) {
            gaps.add(StatisticsGap.between(
                    targets.get(l), l, other.get(l).mean(), other.get(l).variance()));
        }
        return gaps;
    }

    private static double seconds(long from, long to) {
        return (to - from) / 1e9;
    }
}
