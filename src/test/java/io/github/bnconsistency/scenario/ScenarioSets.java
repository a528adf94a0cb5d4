package io.github.bnconsistency.scenario;

import java.util.ArrayList;
import java.util.List;

import static io.github.bnconsistency.scenario.Scenario.Architecture.CNN;
import static io.github.bnconsistency.scenario.Scenario.Architecture.DENSE;
import static io.github.bnconsistency.scenario.Scenario.LearningRate.DECAYED;
import static io.github.bnconsistency.scenario.Scenario.LearningRate.HELD;

/** The scenario sets: the full grid for the published table, a reduced one for the build. */
final class ScenarioSets {

    /** Iterations of a long run: 6, 12, 24 or 96 epochs at batch 4, 8, 16 or 64. */
    static final int LONG = 576;
    /** Iterations of a short run, e.g. one epoch at batch 4: decay 0.99 cannot converge in it. */
    static final int SHORT = 96;

    static final int[] BATCH_SIZES = {4, 8, 16, 64};
    static final double[] DECAYS = {0.9, 0.99};
    static final long[] SEEDS = {1, 2};

    private ScenarioSets() {
    }

    /** Every architecture, batch size, decay, learning-rate schedule, length and seed. */
    static List<Scenario> full() {
        List<Scenario> scenarios = new ArrayList<>();
        for (long seed : SEEDS) {
            for (Scenario.Architecture architecture : Scenario.Architecture.values()) {
                for (int batch : BATCH_SIZES) {
                    for (double decay : DECAYS) {
                        for (Scenario.LearningRate rate : Scenario.LearningRate.values()) {
                            for (int iterations : new int[] {SHORT, LONG}) {
                                scenarios.add(Scenario.ofIterations(architecture, batch, decay, rate, seed, iterations));
                            }
                        }
                    }
                }
            }
        }
        return scenarios;
    }

    /**
     * A handful for the build: per architecture one model expected consistent (long, decayed rate) and one
     * expected inconsistent (decay 0.99, short, held rate), on two seeds and at batch sizes whose truth is cheap.
     */
    static List<Scenario> reduced() {
        return List.of(
                Scenario.ofIterations(DENSE, 16, 0.99, DECAYED, 1, LONG),
                Scenario.ofIterations(DENSE, 16, 0.99, HELD, 2, SHORT),
                Scenario.ofIterations(CNN, 64, 0.9, DECAYED, 2, LONG),
                Scenario.ofIterations(CNN, 16, 0.99, HELD, 1, SHORT));
    }
}
