package io.github.bnconsistency.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Times several operations side by side in one JVM. After warm-up, each round runs every arm's block with the
 * arms' calls interleaved, each arm's calls spread evenly over the round (a 5 ms arm of 60 calls and a 12 ms arm
 * of 25 take turns, A B A A B A ...; the order rotates from round to round), each call timed on its own. A noisy,
 * shared machine, whose speed here varies by 2x from one 0.3 s stretch to the next, then slows all arms of a round
 * alike, at the scale of single calls, and ratios taken within a round cancel it out; timing each arm's block one
 * after the other left rounds' ratios spread from 0.5 to 2.6. Nothing collects the heap between calls or arms: a
 * user's program does not either, so the garbage an operation leaves (and the off-heap memory ND4J frees only when
 * the JVM collects the arrays' handles) is collected whenever the JVM or ND4J decides to, on the clock of whichever
 * operation is running then. The interleaving spreads that over the arms; an operation that collects for itself
 * pays for it on its own clock.
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
            for (int a : schedule(arms, w)) {
                arms[a].operation().run();
            }
        }
        double[][] seconds = new double[rounds][arms.length];
        long start = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            int[] order = schedule(arms, r);
            for (int a : order) {
                long call = System.nanoTime();
                arms[a].operation().run();
                seconds[r][a] += (System.nanoTime() - call) / 1e9;
            }
            for (int a = 0; a < arms.length; a++) {
                seconds[r][a] /= arms[a].repetitions();
            }
        }
        return new Rounds(seconds, (System.nanoTime() - start) / 1e9 / rounds);
    }

    /**
     * The arms' calls of round {@code round} in the order they run: arm {@code a}'s {@code j}-th call at the fraction
     * {@code (j + 1/2) / repetitions} of the round, ties broken by an arm order that rotates with the round.
     */
    static int[] schedule(Arm[] arms, int round) {
        List<double[]> calls = new ArrayList<>(); // {fraction, tie-break rank, arm}
        for (int a = 0; a < arms.length; a++) {
            int rank = Math.floorMod(a - round, arms.length);
            for (int j = 0; j < arms[a].repetitions(); j++) {
                calls.add(new double[] {(j + 0.5) / arms[a].repetitions(), rank, a});
            }
        }
        calls.sort(Comparator.<double[]>comparingDouble(c -> c[0]).thenComparingDouble(c -> c[1]));
        return calls.stream().mapToInt(c -> (int) c[2]).toArray();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
