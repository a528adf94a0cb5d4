package io.github.bnconsistency.bench;

import java.util.Arrays;
import java.util.function.ToDoubleFunction;

/**
 * Times several operations side by side in one JVM: after warm-up, each round times every arm once, one after
 * the other (the starting arm rotates, A B / B A / ..., so no arm always follows the same one), so that a noisy,
 * shared machine slows all arms of a round alike and ratios taken within a round cancel it out. Nothing collects
 * the heap between blocks or arms: a user's program does not either, so the garbage an operation leaves (and the
 * off-heap memory ND4J frees only when the JVM collects the arrays' handles) is collected whenever the JVM or ND4J
 * decides to, on the clock of whichever operation is running then. The rotation spreads that over the arms; an
 * operation that collects for itself pays for it on its own clock.
 */
final class Interleaved {

    private Interleaved() {}

    /** One operation; {@code repetitions} runs of it make one timed block (for operations of a few milliseconds). */
    record Arm(String label, int repetitions, Runnable operation) {
        Arm(String label, Runnable operation) {
            this(label, 1, operation);
        }
    }

    /**
     * The timed rounds of one run.
     *
     * @param seconds seconds per operation, {@code [round][arm]}
     * @param wallSecondsPerRound the mean wall time of one timed round (every arm's block), to estimate the time of
     *     more rounds
     */
    record Rounds(double[][] seconds, double wallSecondsPerRound) {

        int count() {
            return seconds.length;
        }

        /** The median over rounds of {@code arm}'s time per operation. */
        double median(int arm) {
            return Interleaved.median(
                    Arrays.stream(seconds).mapToDouble(round -> round[arm]).toArray());
        }

        /** The ratio of each round, in round order. */
        double[] ratios(ToDoubleFunction<double[]> ratio) {
            return Arrays.stream(seconds).mapToDouble(ratio).toArray();
        }
    }

    /**
     * Runs {@code warmupRounds} untimed rounds (JIT, ND4J workspaces, first-use allocations), then {@code rounds}
     * timed ones.
     */
    static Rounds run(int warmupRounds, int rounds, Arm... arms) {
        for (int w = 0; w < warmupRounds; w++) {
            for (Arm arm : arms) {
                block(arm);
            }
        }
        double[][] seconds = new double[rounds][arms.length];
        long start = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < arms.length; k++) {
                int a = (r + k) % arms.length;
                seconds[r][a] = block(arms[a]);
            }
        }
        return new Rounds(seconds, (System.nanoTime() - start) / 1e9 / rounds);
    }

    /** Seconds per operation over one block; no collection before it (see the class comment). */
    private static double block(Arm arm) {
        long start = System.nanoTime();
        for (int i = 0; i < arm.repetitions(); i++) {
            arm.operation().run();
        }
        return (System.nanoTime() - start) / 1e9 / arm.repetitions();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
