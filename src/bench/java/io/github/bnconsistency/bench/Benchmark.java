package io.github.bnconsistency.bench;

import static io.github.bnconsistency.bench.Interleaved.Arm;

import io.github.bnconsistency.BatchNormConvergenceListener;
import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.RecalibrationOptions;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.DoublePredicate;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The side-by-side benchmark of issues 7 and 14: every timed figure is a ratio of two things measured in this JVM,
 * interleaved call by call after warm-up (see {@link Interleaved}), the median over rounds of the per-round ratio, with
 * no {@code System.gc()} in or between timed blocks (a user's garbage is on the clock of whoever makes it). Prints one
 * line per figure, {@code name: value (target <= bound: met)} or {@code (no target)}; lines starting with {@code #} are
 * context (absolute times, every round's ratio, settings, each case's elapsed time); then a one-line summary.
 *
 * <pre>mvn -q -Pbench verify -Dbench.study.skip=true                  # the full run: every figure, >= 9 rounds
 * mvn -q -Pbench verify -Dbench.quick=true                        # quick mode: indicative only, a few minutes
 * mvn -q -Pbench verify -Dbench.study.skip=true -Dbench.cases=cnn,resnet50   # a subset</pre>
 *
 * Figures (case: figure, what it divides, target):
 *
 * <ul>
 *   <li>{@code cnn}, {@code resnet50} (small CNN at batch 12 of 3x32x32; zoo ResNet50 at batch 12 of 3x96x96):
 *       {@code check_over_inference} ({@code BatchNormInspector.inspect(model, data)} / {@code output(x, false)},
 *       no target), {@code check_over_two_passes} (the inspector / {@code output(x, false)} + {@code output(x,
 *       true)}), {@code assert_over_two_passes} ({@code assertThat(model).inferenceMatchesTraining(data, 1e-3)},
 *       its failure caught and its message read / the same two passes); target for both: CNN <= 1.15, ResNet50
 *       <= 1.08
 *   <li>{@code consistent} (the small CNN within sampling noise of training at batch 12, one probe batch of 12: the
 *       common path of a converged mini-batch model): {@code consistent.check_over_two_passes} and {@code
 *       consistent.assert_over_two_passes} (the inspector and the passing assertion / the two passes; <= 1.15, as
 *       the small CNN's), {@code consistent.band_check_over_two_passes} (with {@code withOutputNoiseBand()}; no
 *       target: what measuring the output-noise band costs when asked for)
 *   <li>{@code dropout}: {@code dropout.check_over_two_passes}, {@code dropout.noisy_sweep_cost} (no target: what
 *       the noise-keeping sweep costs when it runs)
 *   <li>{@code naive}: {@code resnet50.naive_per_layer_over_check} (one training and one inference pass up to each
 *       BN layer's input / the inspector; >= 10)
 *   <li>{@code recalibrate}: {@code cnn.recalibrate_over_train_pass}, {@code resnet50.recalibrate_over_train_pass}
 *       ({@code BatchNormRecalibration.recalibrate(model, data)} / {@code output(x, true)}; <= 1.10)
 *   <li>{@code listener}: {@code cnn.listener_overhead}, {@code resnet50.listener_overhead} ({@code fit()} with
 *       {@code BatchNormConvergenceListener.every(10)} / without, ResNet50 every(5) over blocks of 5; <= 1.01)
 *   <li>{@code memory}: {@code resnet50.memory_growth_20x} (peak RSS of a fresh JVM checking ResNet50 on 20
 *       streamed batches / on 1; <= 1.05) and its baseline {@code resnet50.passes_memory_growth_20x} (the same for
 *       the two forward passes alone, collecting garbage as the check does; no target)
 *   <li>{@code peak}: {@code resnet50_224.peak_rss_assert_over_two_passes} (peak RSS of a fresh JVM making two
 *       assertions on zoo ResNet50 at batch 16 of 3x224x224 / that of a fresh JVM making the same two forward
 *       passes twice; <= 1.15)
 * </ul>
 *
 * The full run times every figure over at least 9 rounds (25 for the small CNN's check and recalibration figures, after
 * 8 warm-up rounds; 15 for its listener figure) and takes 5 child-JVM pairs for {@code memory_growth_20x} (and 3 for
 * its baseline), 3 for the peak figure, the two JVMs of a pair at the same time (one per core; a process's peak RSS is
 * its own); the naive arm runs on every 4th BN layer, scaled to all 53. Quick mode ({@code -Dbench.quick=true}), for
 * development: 5 rounds on the small CNN (its listener figure over blocks of 50 iterations), 3 on ResNet50 without a
 * warm-up round, 1 for the naive figure (its arm on every 4th BN layer, scaled to all 53) and the ResNet50 listener
 * figure, 1 pair per memory figure, these four JVMs at the same time; it prints every figure with its target and says
 * in its summary that its figures are indicative only. Each case's elapsed time is printed, in quick mode with an
 * estimate of the full run's.
 */
public final class Benchmark {

    private static final List<String> ALL_CASES =
            List.of("cnn", "consistent", "dropout", "resnet50", "naive", "recalibrate", "listener", "memory", "peak");
    /** Iterations per timed fit block: 10 listener firings on the small CNN, 1 on ResNet50. */
    private static final int CNN_FIT_ITERATIONS = 100;
    /** Quick mode's blocks on the small CNN: 5 listener firings. */
    private static final int CNN_QUICK_FIT_ITERATIONS = 50;

    /** Iterations per timed fit block on ResNet50 (~2.7 s each), with the listener every 5: one snapshot a block. */
    private static final int RESNET_FIT_ITERATIONS = 5;
    /** Heap of every child JVM of the memory figures (JavaCPP's off-heap limits follow it unless set). */
    private static final String CHILD_HEAP = "-Xmx2g";
    /** Calls per child JVM of the peak figure: two assertions against the two forward passes twice. */
    private static final int PEAK_CALLS = 2;

    /**
     * Rounds and child-JVM pairs of one run.
     *
     * @param rounds timed rounds of the small CNN's figures (not its listener figure): a round takes ~1.5 s, so a
     *     full run takes 25 of them, which narrow the median of a machine whose rounds' ratios spread by +-30%
     * @param resnetRounds timed rounds of ResNet50's check and recalibration figures (~6 s a round)
     * @param heavyRounds rounds of the naive figure (~70 s a round) and the ResNet50 listener figure (~55 s)
     * @param cnnListenerRounds rounds of the small CNN's listener figure: a snapshot costs ~1 ms against ~25 ms per
     *     iteration, far below the round-to-round noise of a shared machine, so its median needs more rounds
     * @param memoryPairs child-JVM pairs (1 batch, 20 batches) of memory_growth_20x
     * @param peakPairs child-JVM pairs (assertions, passes) of the peak figure
     * @param naiveStride the naive arm visits every {@code naiveStride}-th BN layer and is scaled to all of them
     *     (4: its time per layer is what the figure compares, and all 53 layers took ~75 s a round)
     * @param concurrentPairs whether every child JVM of the memory figures runs at the same time (quick mode: a
     *     process's peak RSS is its own); else the two JVMs of a pair run at the same time, pair after pair
     */
    private record Plan(
            boolean quick,
            int rounds,
            int resnetRounds,
            int heavyRounds,
            int cnnListenerRounds,
            int memoryPairs,
            int peakPairs,
            int naiveStride,
            boolean concurrentPairs) {

        static Plan full(int rounds, int memoryPairs, int peakPairs) {
            int r = Math.max(9, rounds);
            // the naive arm on every 4th BN layer, scaled, and the two JVMs of a pair at the same time: the full run
            // stays under 20 minutes (every layer and one JVM after the other took ~33)
            return new Plan(
                    false,
                    Math.max(r, 25),
                    r,
                    r,
                    Math.max(r, 15),
                    Math.max(5, memoryPairs),
                    Math.max(3, peakPairs),
                    4,
                    false);
        }

        static Plan quickMode() {
            return new Plan(true, 5, 3, 1, 5, 1, 1, 4, true);
        }

        int rounds(Model model) {
            return model instanceof ComputationGraph ? resnetRounds : rounds;
        }

        String describe() {
            return rounds + " timed rounds per small-CNN figure (its listener figure " + cnnListenerRounds
                    + (quick ? ", of blocks of " + CNN_QUICK_FIT_ITERATIONS + " iterations" : "") + "), "
                    + resnetRounds + " per ResNet50 check and recalibration figure, " + heavyRounds
                    + " for the naive and ResNet50 listener figures"
                    + (naiveStride > 1 ? " (the naive arm on every " + naiveStride + "th BN layer, scaled)" : "")
                    + ", " + memoryPairs + " child-JVM pair(s) for memory_growth_20x, " + peakPairs
                    + " for the peak figure"
                    + (concurrentPairs ? " (all child JVMs at the same time)" : " (the two JVMs of a pair at once)");
        }
    }

    private record Target(String figure, String relation, double bound, DoublePredicate met) {
        static Target atMost(String figure, double bound) {
            return new Target(figure, "<=", bound, v -> v <= bound);
        }

        static Target atLeast(String figure, double bound) {
            return new Target(figure, ">=", bound, v -> v >= bound);
        }

        String describe() {
            return relation + " "
                    + BigDecimal.valueOf(bound).stripTrailingZeros().toPlainString();
        }
    }

    private static final List<Target> TARGETS = List.of(
            Target.atMost("cnn.check_over_two_passes", 1.15),
            Target.atMost("cnn.assert_over_two_passes", 1.15),
            Target.atMost("consistent.check_over_two_passes", 1.15),
            Target.atMost("consistent.assert_over_two_passes", 1.15),
            Target.atMost("resnet50.check_over_two_passes", 1.08),
            Target.atMost("resnet50.assert_over_two_passes", 1.08),
            Target.atLeast("resnet50.naive_per_layer_over_check", 10),
            Target.atMost("cnn.recalibrate_over_train_pass", 1.10),
            Target.atMost("resnet50.recalibrate_over_train_pass", 1.10),
            Target.atMost("cnn.listener_overhead", 1.01),
            Target.atMost("resnet50.listener_overhead", 1.01),
            Target.atMost("resnet50.memory_growth_20x", 1.05),
            Target.atMost("resnet50_224.peak_rss_assert_over_two_passes", 1.15));

    /** What this run does, and what a full run does (for the estimate quick mode prints). */
    private final Plan plan;

    private final Plan full;
    private final List<String[]> figures = new ArrayList<>();
    /** Seconds a full run would add to the running case (its further rounds and pairs). */
    private double caseExtra;

    private double elapsed;
    private double estimate;

    private Benchmark(Plan plan, Plan full) {
        this.plan = plan;
        this.full = full;
    }

    private interface Body {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Set<String> cases = cases(System.getProperty("bench.cases", "all"));
        Plan full = Plan.full(
                Integer.getInteger("bench.rounds", 9),
                Integer.getInteger("bench.memoryRounds", 5),
                Integer.getInteger("bench.peakRounds", 3));
        boolean quick = Boolean.parseBoolean(System.getProperty("bench.quick", "false"));
        Plan plan = quick ? Plan.quickMode() : full;
        System.out.println("# batchnorm-consistency benchmark, " + LocalDate.now() + ", Java "
                + System.getProperty("java.version") + ", "
                + Runtime.getRuntime().availableProcessors()
                + " cores, OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB, " + (quick ? "quick mode, " : "full run, ")
                + plan.describe() + " (median of per-round ratios), no System.gc() in or between timed blocks, cases "
                + String.join(",", cases));
        Benchmark bench = new Benchmark(plan, full);
        if (cases.contains("cnn")) {
            bench.timed("cnn", () -> bench.checkCase("cnn", BenchModels.smallCnn(42), BenchModels.cnnBatch(7)));
        }
        if (cases.contains("consistent")) {
            bench.timed("consistent", bench::consistentCase);
        }
        if (cases.contains("dropout")) {
            bench.timed("dropout", bench::dropoutCase);
        }
        if (cases.contains("resnet50")) {
            bench.timed(
                    "resnet50",
                    () -> bench.checkCase("resnet50", BenchModels.resnet50(42), BenchModels.resnetBatch(7)));
        }
        if (cases.contains("naive")) {
            bench.timed("naive", bench::naivePerLayer);
        }
        if (cases.contains("recalibrate")) {
            bench.timed("recalibrate", () -> {
                bench.recalibrate("cnn", BenchModels.smallCnn(43), BenchModels.cnnBatch(8));
                bench.recalibrate("resnet50", BenchModels.resnet50(43), BenchModels.resnetBatch(8));
            });
        }
        if (cases.contains("listener")) {
            bench.timed("listener", () -> {
                bench.listener(
                        "cnn",
                        BenchModels.smallCnn(44),
                        BenchModels.cnnBatch(9),
                        plan.quick() ? CNN_QUICK_FIT_ITERATIONS : CNN_FIT_ITERATIONS,
                        CNN_FIT_ITERATIONS,
                        plan.cnnListenerRounds(),
                        full.cnnListenerRounds());
                bench.listener(
                        "resnet50",
                        BenchModels.resnet50(44),
                        BenchModels.resnetBatch(9),
                        RESNET_FIT_ITERATIONS,
                        RESNET_FIT_ITERATIONS,
                        plan.heavyRounds(),
                        full.heavyRounds());
            });
        }
        boolean memory = cases.contains("memory");
        boolean peak = cases.contains("peak");
        if (plan.concurrentPairs() && memory && peak) {
            bench.timed("memory+peak (their child JVMs at the same time)", () -> bench.childFigures(true, true));
        } else {
            if (memory) {
                bench.timed("memory", () -> bench.childFigures(true, false));
            }
            if (peak) {
                bench.timed("peak", () -> bench.childFigures(false, true));
            }
        }
        context("elapsed in this JVM: " + minutes(bench.elapsed)
                + (quick
                        ? "; a full run of these cases (" + full.describe() + "): ~" + minutes(bench.estimate)
                                + ", estimated from this run's rounds and pairs (Maven's start comes on top)"
                        : ""));
        System.out.println(bench.summary());
    }

    private static Set<String> cases(String spec) {
        if (spec.isBlank() || spec.equals("all")) {
            return new LinkedHashSet<>(ALL_CASES);
        }
        Set<String> cases = new LinkedHashSet<>();
        for (String c : spec.split(",")) {
            if (!ALL_CASES.contains(c.trim())) {
                throw new IllegalArgumentException("unknown case '" + c + "'; cases: " + ALL_CASES);
            }
            cases.add(c.trim());
        }
        return cases;
    }

    /** Runs one case and prints its elapsed time (in quick mode with the full run's estimate) as context. */
    private void timed(String name, Body body) throws Exception {
        caseExtra = 0;
        long start = System.nanoTime();
        body.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        elapsed += seconds;
        estimate += seconds + caseExtra;
        context("case " + name + ": " + String.format(Locale.ROOT, "%.1f s", seconds)
                + (plan.quick() ? String.format(Locale.ROOT, " (a full run: ~%.0f s)", seconds + caseExtra) : ""));
    }

    /** Counts what the full run's further rounds would add to the running case. */
    private void planned(Interleaved.Rounds rounds, int fullRounds) {
        planned(rounds, fullRounds, rounds.wallSecondsPerRound());
    }

    /** As {@link #planned(Interleaved.Rounds, int)}, for a full run's round of another length than this run's. */
    private void planned(Interleaved.Rounds rounds, int fullRounds, double fullRoundSeconds) {
        caseExtra += fullRounds * fullRoundSeconds - rounds.count() * rounds.wallSecondsPerRound();
    }

    /**
     * Untimed rounds before the timed ones: 2 for the small CNN; 1 for ResNet50, whose operations have run twice
     * already to find their repetitions (one each), none in quick mode.
     */
    private static int warmupRounds(Model model, Plan plan) {
        // the small CNN's check is mostly Java code run a few dozen times a round: its first ~10 s run slower while
        // the JIT compiles it (seen: the first three rounds 1.8-2.1 after two warm-up rounds, then 1.1-1.3)
        return model instanceof ComputationGraph ? (plan.quick() ? 0 : 1) : (plan.quick() ? 4 : 8);
    }

    /** A full run's rounds, its warm-up rounds beyond this run's included (for the estimate). */
    private int fullRounds(Model model) {
        return full.rounds(model) + warmupRounds(model, full) - warmupRounds(model, plan);
    }

    /** check_over_inference, check_over_two_passes and assert_over_two_passes. */
    private void checkCase(String name, Model model, DataSet data) {
        INDArray x = data.getFeatures();
        String[] message = {null};
        ConsistencyReport[] last = {null};
        Runnable check = () -> last[0] = BatchNormInspector.inspect(model, data);
        Runnable assertion = () -> message[0] = UserCall.inferenceMatchesTraining(model, data);
        Runnable inference = forward(model, x, false);
        Runnable training = forward(model, x, true);
        Interleaved.Rounds s = Interleaved.run(
                warmupRounds(model, plan),
                plan.rounds(model),
                new Arm("check", repetitions(check), check),
                new Arm("assertion", repetitions(assertion), assertion),
                new Arm("inference", repetitions(inference), inference),
                new Arm("training", repetitions(training), training));
        planned(s, fullRounds(model));
        ConsistencyReport report = last[0]; // the last timed check's
        context(name + ": full check " + ms(s.median(0)) + ", assertion " + ms(s.median(1)) + ", output(x,false) "
                + ms(s.median(2)) + ", output(x,true) " + ms(s.median(3))
                + " (" + report.layers().size() + " BN layers, batch " + x.size(0) + " " + Arrays.toString(x.shape())
                + ", inference outputs " + (report.output().nonFiniteInferenceValues() > 0 ? "non-finite" : "finite")
                + ", the assertion "
                + (message[0] == null ? "passes" : "fails, its message read: " + message[0].length() + " characters")
                + ")");
        figure(name + ".check_over_inference", s.ratios(r -> r[0] / r[2]));
        figure(name + ".check_over_two_passes", s.ratios(r -> r[0] / (r[2] + r[3])));
        figure(name + ".assert_over_two_passes", s.ratios(r -> r[1] / (r[2] + r[3])));
    }

    /**
     * The cost of the noise-keeping sweep when it runs: the small CNN, never trained, with dropout on conv2's input,
     * against the same CNN without it (the sweep does not run there), interleaved, one probe batch of 12. The
     * sweep is one more training pass per batch; the noise-free copy the training path runs on is built either way.
     */
    private void dropoutCase() {
        MultiLayerNetwork withDropout = BenchModels.smallCnnWithDropout(47, 0.8);
        MultiLayerNetwork without = BenchModels.smallCnn(47);
        DataSet data = BenchModels.cnnBatch(12);
        INDArray x = data.getFeatures();
        ConsistencyReport[] last = {null};
        Runnable check = () -> last[0] = BatchNormInspector.inspect(withDropout, data);
        Runnable plainCheck = () -> BatchNormInspector.inspect(without, data);
        Runnable inference = forward(without, x, false);
        Runnable training = forward(without, x, true);
        Interleaved.Rounds s = Interleaved.run(
                2,
                plan.rounds(),
                new Arm("check with dropout", repetitions(check), check),
                new Arm("check without", repetitions(plainCheck), plainCheck),
                new Arm("inference", repetitions(inference), inference),
                new Arm("training", repetitions(training), training));
        planned(s, full.rounds());
        ConsistencyReport report = last[0]; // the last timed check's
        context("dropout: check with dropout upstream " + ms(s.median(0)) + ", without " + ms(s.median(1))
                + ", output(x,false) " + ms(s.median(2)) + ", output(x,true) " + ms(s.median(3)) + " (statuses "
                + report.layers().stream().map(l -> l.status().name()).toList() + ")");
        figure("dropout.check_over_two_passes", s.ratios(r -> r[0] / (r[2] + r[3])));
        figure("dropout.noisy_sweep_cost", s.ratios(r -> r[0] / r[1]));
    }

    /**
     * The common path on a model whose moving statistics match training at batch size 12 within sampling noise:
     * the small CNN's statistics set to the average over 20 other batches of 12, one probe batch of 12. Its outputs
     * differ from the training path, but every layer's statistics are within their noise, so the check and the
     * assertion (which passes) cost two passes; with withOutputNoiseBand the check measures the output-noise band as
     * well (the bootstrap batches and the draws), which this prints the cost of.
     */
    private void consistentCase() {
        MultiLayerNetwork model = BenchModels.smallCnn(46);
        List<DataSet> training = new ArrayList<>();
        for (int b = 0; b < 20; b++) {
            training.add(BenchModels.cnnBatch(100 + b));
        }
        BatchNormRecalibration.recalibrate(
                model,
                ProbeData.of(new ListDataSetIterator<>(training, 1)),
                RecalibrationOptions.defaults().withTrainingBatchSize(BenchModels.BATCH));
        DataSet data = BenchModels.cnnBatch(11);
        INDArray x = data.getFeatures();
        InspectionOptions options = InspectionOptions.defaults().withTrainingBatchSize(BenchModels.BATCH);
        ProbeData probe = ProbeData.of(data);
        ConsistencyReport[] last = {null};
        ConsistencyReport[] band = {null};
        String[] message = {null};
        Runnable check = () -> last[0] = BatchNormInspector.inspect(model, probe, options);
        Runnable assertion = () -> message[0] = UserCall.inferenceMatchesTraining(model, data);
        Runnable bandCheck = () -> band[0] = BatchNormInspector.inspect(model, probe, options.withOutputNoiseBand());
        Runnable inference = forward(model, x, false);
        Runnable training2 = forward(model, x, true);
        Interleaved.Rounds s = Interleaved.run(
                2,
                plan.rounds(),
                new Arm("check", repetitions(check), check),
                new Arm("assertion", repetitions(assertion), assertion),
                new Arm("band check", repetitions(bandCheck), bandCheck),
                new Arm("inference", repetitions(inference), inference),
                new Arm("training", repetitions(training2), training2));
        planned(s, full.rounds());
        ConsistencyReport report = last[0]; // the last timed check's
        context("consistent: check " + ms(s.median(0)) + ", assertion " + ms(s.median(1)) + ", check with the band "
                + ms(s.median(2)) + ", output(x,false) " + ms(s.median(3)) + ", output(x,true) " + ms(s.median(4))
                + " (statuses "
                + report.layers().stream().map(l -> l.status().name()).toList()
                + ", max |train - inference| " + report.output().maxAbsDifference() + ", within statistics noise "
                + report.reference().withinStatisticsNoise() + ", the assertion "
                + (message[0] == null ? "passes" : "fails: " + message[0].length() + " characters")
                + ", noise draws with the band "
                + band[0].reference().noise().map(n -> n.draws()).orElse(0) + ", double re-check "
                + report.reference().doublePrecision().isPresent() + ")");
        figure("consistent.check_over_two_passes", s.ratios(r -> r[0] / (r[3] + r[4])));
        figure("consistent.assert_over_two_passes", s.ratios(r -> r[1] / (r[3] + r[4])));
        figure("consistent.band_check_over_two_passes", s.ratios(r -> r[2] / (r[3] + r[4])));
    }

    /** naive_per_layer_over_check on ResNet50. */
    private void naivePerLayer() {
        ComputationGraph model = BenchModels.resnet50(42);
        DataSet data = BenchModels.resnetBatch(7);
        NaivePerLayer naive = new NaivePerLayer(model);
        double[] sink = {0};
        BatchNormInspector.inspect(model, data); // warm-up: the naive arm alone takes ~50 forward passes per round
        int stride = plan.naiveStride();
        double scale = (double) naive.layers() / naive.layers(stride);
        Interleaved.Rounds s = Interleaved.run(
                0,
                plan.heavyRounds(),
                new Arm("naive", () -> sink[0] += naive.run(data.getFeatures(), stride)),
                new Arm("check", () -> BatchNormInspector.inspect(model, data)));
        planned(s, full.heavyRounds());
        context("resnet50: one forward pass per BN layer (" + naive.layers() + " layers, training and inference path "
                + "to each layer's input) " + ms(s.median(0) * scale) + ", full check " + ms(s.median(1)) + " ("
                + s.count() + " rounds"
                + (stride > 1
                        ? "; the naive arm on every " + stride + "th BN layer (" + naive.layers(stride)
                                + " of " + naive.layers() + "), " + ms(s.median(0)) + ", scaled by "
                                + String.format(Locale.ROOT, "%.3f", scale)
                        : "")
                + ")");
        figure("resnet50.naive_per_layer_over_check", s.ratios(r -> r[0] * scale / r[1]));
    }

    /** recalibrate_over_train_pass: recalibration against one training-path forward pass on the same data. */
    private void recalibrate(String name, Model model, DataSet data) {
        Runnable recalibrate = () -> BatchNormRecalibration.recalibrate(model, data);
        Runnable training = forward(model, data.getFeatures(), true);
        Interleaved.Rounds s = Interleaved.run(
                warmupRounds(model, plan),
                plan.rounds(model),
                new Arm("recalibrate", repetitions(recalibrate), recalibrate),
                new Arm("training", repetitions(training), training));
        planned(s, fullRounds(model));
        context(name + ": recalibrate " + ms(s.median(0)) + ", output(x,true) " + ms(s.median(1)));
        figure(name + ".recalibrate_over_train_pass", s.ratios(r -> r[0] / r[1]));
    }

    /**
     * listener_overhead: fit() iterations with BatchNormConvergenceListener.every(k) and without (k = 10 on the small
     * CNN, 5 on ResNet50), a round {@code iterations} of each (a multiple of k) in blocks of k, the arms' blocks
     * interleaved. Any k consecutive iterations hold exactly one multiple of k, so each block with the listener takes
     * one snapshot wherever it starts. Warm-up: one round of blocks on
     * the small CNN; on ResNet50 (~27 s a block) two iterations with the listener (a snapshot at iteration 0) and
     * one without, which size DL4J's workspaces and make the updater state as a round of blocks does.
     */
    private void listener(
            String name, Model model, DataSet data, int iterations, int fullIterations, int rounds, int fullRounds) {
        int every = model instanceof ComputationGraph ? RESNET_FIT_ITERATIONS : 10;
        BatchNormConvergenceListener listener = BatchNormConvergenceListener.every(every);
        // blocks of k iterations, interleaved: each with-block takes one snapshot (see above), and the two arms take
        // turns every k iterations, so the machine's swings fall on both (blocks of 100 spread rounds 0.7-2.2)
        Runnable with = fit(model, data, every, listener);
        Runnable without = fit(model, data, every);
        int blocks = iterations / every;
        int warmupRounds = 1;
        if (model instanceof ComputationGraph) {
            fit(model, data, 2, listener).run();
            fit(model, data, 1).run();
            warmupRounds = 0;
        }
        Interleaved.Rounds s = Interleaved.run(
                warmupRounds, rounds, new Arm("with listener", blocks, with), new Arm("without", blocks, without));
        planned(s, fullRounds, s.wallSecondsPerRound() * fullIterations / iterations);
        context(name + ": " + iterations + " fit() iterations with the listener every " + every + " "
                + ms(s.median(0) * blocks) + ", without " + ms(s.median(1) * blocks) + " (" + rounds + " rounds; "
                + listener.snapshots().size()
                + " snapshots taken, warm-up included)");
        figure(name + ".listener_overhead", s.ratios(r -> r[0] / r[1]));
    }

    /**
     * The figures of child JVMs: memory_growth_20x ({@code memory}), the peak figure ({@code peak}) or both. Their
     * pairs run one after the other, the two JVMs of a pair too; in quick mode every JVM of them at the same time
     * (a process's peak RSS is its own; the machine has the memory).
     */
    private void childFigures(boolean memory, boolean peak) throws IOException, InterruptedException {
        List<PairSpec> specs = new ArrayList<>();
        String calls = Integer.toString(PEAK_CALLS);
        for (int r = 0; memory && r < plan.memoryPairs(); r++) {
            String[] order = r % 2 == 0 ? new String[] {"1", "20"} : new String[] {"20", "1"};
            specs.add(new PairSpec(
                    MemoryProbe.class, MemoryProbe.PREFIX, new String[] {order[0]}, new String[] {order[1]}));
        }
        for (int r = 0; memory && r < passesPairs(plan); r++) {
            String[] order = r % 2 == 0 ? new String[] {"1", "20"} : new String[] {"20", "1"};
            specs.add(new PairSpec(
                    MemoryProbe.class, MemoryProbe.PREFIX, new String[] {order[0], "passes"}, new String[] {
                        order[1], "passes"
                    }));
        }
        for (int p = 0; peak && p < plan.peakPairs(); p++) {
            String[] order = p % 2 == 0 ? new String[] {"assert", "passes"} : new String[] {"passes", "assert"};
            specs.add(new PairSpec(
                    PeakProbe.class, PeakProbe.PREFIX, new String[] {order[0], calls}, new String[] {order[1], calls}));
        }
        long start = System.nanoTime();
        List<List<Child>> pairs = runPairs(specs);
        double wall = (System.nanoTime() - start) / 1e9;
        int m = memory ? plan.memoryPairs() : 0;
        int b = memory ? passesPairs(plan) : 0;
        double fullSeconds = 0;
        if (memory) {
            fullSeconds += memory(pairs.subList(0, m), false);
            fullSeconds += memory(pairs.subList(m, m + b), true);
        }
        if (peak) {
            fullSeconds += peak(pairs.subList(m + b, pairs.size()));
        }
        caseExtra += fullSeconds - wall;
    }

    /** Pairs of the passes-alone baseline of memory_growth_20x: fewer than the figure's own (it has no target). */
    private static int passesPairs(Plan of) {
        return Math.max(1, (of.memoryPairs() + 1) / 2);
    }

    /**
     * memory_growth_20x: peak RSS of a fresh JVM checking ResNet50 on 20 batches against 1 batch; with {@code
     * passes}, its baseline: the two forward passes alone on the same batches, collecting as the check does.
     *
     * @return the estimated seconds of a full run's pairs
     */
    private double memory(List<List<Child>> pairs, boolean passes) {
        double[] ratios = new double[pairs.size()];
        long[][] peaks = new long[pairs.size()][2];
        double solo = 0;
        for (int r = 0; r < pairs.size(); r++) {
            for (Child child : pairs.get(r)) {
                String line = child.line();
                peaks[r][field(line, "batches").equals("1") ? 0 : 1] = Long.parseLong(field(line, "peak_rss_kb"));
                solo += child.soloSeconds();
                if (r == 0) {
                    context("memory child: "
                            + line.substring(MemoryProbe.PREFIX.length()).trim());
                }
            }
            ratios[r] = (double) peaks[r][1] / peaks[r][0];
        }
        context("resnet50 " + (passes ? "two passes alone (collecting as the check does)" : "check")
                + ", peak RSS of a fresh JVM (" + CHILD_HEAP + "): 1 batch " + median(peaks, 0) / 1024
                + " MB, 20 batches " + median(peaks, 1) / 1024 + " MB (medians of " + pairs.size()
                + " pairs of child JVMs" + (plan.concurrentPairs() ? ", all at the same time" : "") + ")");
        figure(passes ? "resnet50.passes_memory_growth_20x" : "resnet50.memory_growth_20x", ratios);
        return (passes ? passesPairs(full) : full.memoryPairs()) * solo / pairs.size();
    }

    /**
     * resnet50_224.peak_rss_assert_over_two_passes: peak RSS of a fresh JVM making two assertions on zoo ResNet50
     * (3x224x224, batch 16) against a fresh JVM making the same two forward passes twice, pairs of child JVMs, the
     * first of a pair alternating.
     *
     * @return the estimated seconds of a full run's pairs
     */
    private double peak(List<List<Child>> pairs) {
        double[] ratios = new double[pairs.size()];
        long[][] peaks = new long[pairs.size()][2];
        long[] before = new long[2];
        double solo = 0;
        for (int p = 0; p < pairs.size(); p++) {
            for (Child child : pairs.get(p)) {
                String line = child.line();
                int column = field(line, "mode").equals("assert") ? 0 : 1;
                peaks[p][column] = Long.parseLong(field(line, "peak_rss_kb"));
                before[column] = Long.parseLong(field(line, "peak_rss_before_calls_kb"));
                solo += child.soloSeconds();
                context("peak child: "
                        + line.substring(PeakProbe.PREFIX.length()).trim());
            }
            ratios[p] = (double) peaks[p][0] / peaks[p][1];
        }
        context("zoo resnet50 3x224x224 batch 16, peak RSS (VmHWM) of a fresh JVM (" + CHILD_HEAP
                + ", OMP_NUM_THREADS=1) making two calls and nothing else: two assertions " + median(peaks, 0) / 1024
                + " MB against the same two forward passes twice (output(x,false) then output(x,true), twice) "
                + median(peaks, 1) / 1024 + " MB; " + (before[0] + before[1]) / 2 / 1024
                + " MB after building the model and the batch (medians of " + pairs.size()
                + " pair(s) of child JVMs, the first of a pair alternating"
                + (plan.concurrentPairs() ? "; all at the same time" : "") + ")");
        figure("resnet50_224.peak_rss_assert_over_two_passes", ratios);
        return full.peakPairs() * solo / pairs.size();
    }

    private static long median(long[][] peaks, int column) {
        return (long) Interleaved.median(
                Arrays.stream(peaks).mapToDouble(p -> p[column]).toArray());
    }

    /** One pair of child JVMs: the class to run, its line's prefix, the arguments of the first and the second. */
    private record PairSpec(Class<?> main, String prefix, String[] first, String[] second) {}

    /**
     * A finished child JVM: its line with the probe's prefix, and the seconds it would take alone (its wall time
     * when it ran alone, else its process CPU time, {@code cpu_seconds}).
     */
    private record Child(String line, double soloSeconds) {}

    /** Runs the pairs, each child JVM after the one before, or (quick mode) all at the same time. */
    private List<List<Child>> runPairs(List<PairSpec> specs) throws IOException, InterruptedException {
        List<List<Child>> pairs = new ArrayList<>();
        if (!plan.concurrentPairs()) {
            for (PairSpec spec : specs) { // the two of a pair at once: one per core, a process's peak is its own
                Running first = child(spec.main(), spec.prefix(), spec.first());
                Running second = child(spec.main(), spec.prefix(), spec.second());
                pairs.add(List.of(first.await(true), second.await(true)));
            }
            return pairs;
        }
        List<Running[]> running = new ArrayList<>();
        for (PairSpec spec : specs) {
            running.add(new Running[] {
                child(spec.main(), spec.prefix(), spec.first()), child(spec.main(), spec.prefix(), spec.second())
            });
        }
        for (Running[] pair : running) {
            pairs.add(List.of(pair[0].await(true), pair[1].await(true)));
        }
        return pairs;
    }

    /** A started child JVM, its output going to a file (so that nothing blocks on a full pipe). */
    private record Running(
            Process process, Path output, String prefix, String description, long start, CompletableFuture<Long> end) {

        Child await(boolean concurrent) throws IOException, InterruptedException {
            int exit = process.waitFor();
            double seconds = (end.join() - start) / 1e9;
            String result = null;
            List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            Files.delete(output);
            for (String line : lines) {
                if (line.startsWith(prefix)) {
                    result = line;
                }
            }
            if (exit != 0 || result == null) {
                throw new IllegalStateException(
                        description + " failed, exit " + exit + ":\n" + String.join("\n", lines));
            }
            return new Child(result, concurrent ? Double.parseDouble(field(result, "cpu_seconds")) : seconds);
        }
    }

    /** Starts {@code main} in a fresh JVM ({@link #CHILD_HEAP}, OMP_NUM_THREADS=1). */
    private static Running child(Class<?> main, String prefix, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(
                List.of(java, CHILD_HEAP, "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("bench-child-", ".log");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().put("OMP_NUM_THREADS", "1");
        long start = System.nanoTime();
        Process process = builder.start();
        CompletableFuture<Long> end = process.onExit().thenApply(p -> System.nanoTime());
        return new Running(process, output, prefix, main.getSimpleName() + " " + String.join(" ", args), start, end);
    }

    private static String field(String line, String key) {
        for (String token : line.split(" ")) {
            if (token.startsWith(key + "=")) {
                return token.substring(key.length() + 1);
            }
        }
        throw new IllegalStateException("no " + key + " in " + line);
    }

    private static Runnable forward(Model model, INDArray x, boolean train) {
        if (model instanceof MultiLayerNetwork network) {
            return () -> network.output(x, train);
        }
        ComputationGraph graph = (ComputationGraph) model;
        return () -> graph.output(train, x);
    }

    private static Runnable fit(Model model, DataSet data, int iterations, TrainingListener... listeners) {
        return () -> {
            model.setListeners(listeners);
            for (int i = 0; i < iterations; i++) {
                if (model instanceof MultiLayerNetwork network) {
                    network.fit(data);
                } else {
                    ((ComputationGraph) model).fit(data);
                }
            }
        };
    }

    /**
     * Repetitions per timed block so that one block lasts at least ~0.3 s (1 for ResNet50-sized operations, found
     * after two runs); the runs warm the operation up too.
     */
    private static int repetitions(Runnable operation) {
        double fastest = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            operation.run();
            fastest = Math.min(fastest, (System.nanoTime() - start) / 1e9);
            if (i >= 1 && fastest >= 0.3) {
                break;
            }
        }
        return (int) Math.max(1, Math.ceil(0.3 / fastest));
    }

    /** Prints the rounds' ratios as context, then the figure (their median) with its target. */
    private void figure(String name, double[] perRound) {
        StringBuilder rounds = new StringBuilder();
        for (double r : perRound) {
            rounds.append(String.format(Locale.ROOT, " %.3f", r));
        }
        context(name + " per round:" + rounds);
        double value = Interleaved.median(perRound);
        String formatted = String.format(Locale.ROOT, "%.3f", value);
        figures.add(new String[] {name, formatted});
        String verdict = TARGETS.stream()
                .filter(t -> t.figure().equals(name))
                .findFirst()
                .map(t -> "target " + t.describe() + ": " + (t.met().test(value) ? "met" : "missed"))
                .orElse("no target");
        System.out.println(name + ": " + formatted + " (" + verdict + ")");
        System.out.flush();
    }

    private static void context(String text) {
        System.out.println("# " + text);
        System.out.flush();
    }

    private static String ms(double seconds) {
        return String.format(Locale.ROOT, seconds < 0.1 ? "%.2f ms" : "%.0f ms", seconds * 1000);
    }

    private static String minutes(double seconds) {
        return String.format(Locale.ROOT, "%.1f min (%.0f s)", seconds / 60, seconds);
    }

    private String summary() {
        List<String> missed = new ArrayList<>();
        int measured = 0;
        for (Target target : TARGETS) {
            for (String[] figure : figures) {
                if (figure[0].equals(target.figure())) {
                    measured++;
                    if (!target.met().test(Double.parseDouble(figure[1]))) {
                        missed.add(target.figure() + " " + figure[1] + " (target " + target.describe() + ")");
                    }
                }
            }
        }
        return "summary: " + (measured - missed.size()) + " of " + measured + " targets met"
                + (missed.isEmpty() ? "" : "; missed: " + String.join(", ", missed))
                + (measured < TARGETS.size() ? " (" + (TARGETS.size() - measured) + " not measured in this run)" : "")
                + (plan.quick() ? "; quick mode: indicative only" : "");
    }
}
