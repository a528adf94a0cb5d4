package io.github.bnconsistency.scenario;

import static io.github.bnconsistency.scenario.Scenario.Architecture.CNN;
import static io.github.bnconsistency.scenario.Scenario.Architecture.DENSE;
import static io.github.bnconsistency.scenario.Scenario.LearningRate.DECAYED;
import static io.github.bnconsistency.scenario.Scenario.LearningRate.HELD;

import java.util.ArrayList;
import java.util.List;

/** The scenario sets: the full grid for the published table, a reduced one for the build. */
final class ScenarioSets {

    /** Iterations of a long run: 4, 8, 16 or 64 epochs at batch 4, 8, 16 or 64. */
    static final int LONG = 384;

    static final int[] BATCH_SIZES = {4, 8, 16, 64};
    static final double[] DECAYS = {0.9, 0.99};
    static final long[] SEEDS = {1, 2, 3};

    private ScenarioSets() {}

    /**
     * Per seed (seed-major, so {@code seed=1} selects a complete first half): every architecture, batch size, decay
     * and learning-rate schedule for {@link #LONG} iterations, then per architecture and batch size one epoch at
     * decay 0.99 with the rate held (from 6 iterations at batch 64 to 96 at batch 4: the moving averages still
     * weigh their initial values 0.99^6 = 0.94 to 0.99^96 = 0.38).
     */
    static List<Scenario> full() {
        List<Scenario> scenarios = new ArrayList<>();
        for (long seed : SEEDS) {
            for (Scenario.Architecture architecture : Scenario.Architecture.values()) {
                for (int batch : BATCH_SIZES) {
                    for (double decay : DECAYS) {
                        for (Scenario.LearningRate rate : Scenario.LearningRate.values()) {
                            scenarios.add(Scenario.ofIterations(architecture, batch, decay, rate, seed, LONG));
                        }
                    }
                }
            }
            for (Scenario.Architecture architecture : Scenario.Architecture.values()) {
                for (int batch : BATCH_SIZES) {
                    scenarios.add(new Scenario(architecture, batch, 0.99, HELD, seed, 1));
                }
            }
        }
        return scenarios;
    }

    /**
     * A handful for the build, cheap ones: per architecture one model expected consistent (decay 0.9, decayed rate,
     * batch 64, 96 iterations of which the last 30% barely move the weights) and one expected inconsistent
     * (decay 0.99, held rate, one epoch), on two seeds.
     */
    static List<Scenario> reduced() {
        return List.of(
                Scenario.ofIterations(DENSE, 64, 0.9, DECAYED, 1, 96),
                new Scenario(DENSE, 64, 0.99, HELD, 2, 1),
                Scenario.ofIterations(CNN, 64, 0.9, DECAYED, 2, 96),
                new Scenario(CNN, 16, 0.99, HELD, 1, 1));
    }
}
