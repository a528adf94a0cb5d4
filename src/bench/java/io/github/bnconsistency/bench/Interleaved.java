package io.github.bnconsistency.bench;

import java.util.Arrays;

/**
 * Times several operations side by side in one JVM: after warm-up, each round times every arm once, one after
 * the other (the starting arm rotates, A B / B A / ..., so no arm always follows the same one), so that a noisy,
 * shared machine slows all arms of a round alike and ratios taken within a round cancel it out. Before each timed
 * block the heap is collected (which also lets ND4J free the off-heap memory of dead arrays), so one arm's garbage
 * is not collected on another arm's clock.
 */
final class Interleaved {

    /** One operation; {@code repetitions} runs of it make one timed block (for operations of a few milliseconds). */
    record Arm(String label, int repetitions, Runnable operation) {
        Arm(String label, Runnable operation) {
            this(label, 1, operation);
        }
    }

    /**
     * Seconds per operation: {@code [round][arm]}.
     *
     * @param warmupRounds untimed rounds first (JIT, ND4J workspaces, first-use allocations)
     */
    static double[][] run(int warmupRounds, int rounds, Arm... arms) {
        for (int w = 0; w < warmupRounds; w++) {
            for (Arm arm : arms) {
                block(arm);
            }
        }
        double[][] seconds = new double[rounds][arms.length];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < arms.length; k++) {
                int a = (r + k) % arms.length;
                seconds[r][a] = block(arms[a]);
            }
        }
        return seconds;
    }

    private static double block(Arm arm) {
        System.gc();
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

    /** The median over rounds of {@code arm}'s time. */
    static double medianOf(double[][] seconds, int arm) {
        return median(Arrays.stream(seconds).mapToDouble(round -> round[arm]).toArray());
    }

    /** The ratio of each round, in round order. */
    static double[] ratios(double[][] seconds, java.util.function.ToDoubleFunction<double[]> ratio) {
        return Arrays.stream(seconds).mapToDouble(ratio).toArray();
    }
}
