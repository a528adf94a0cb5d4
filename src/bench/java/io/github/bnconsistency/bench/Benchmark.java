package io.github.bnconsistency.bench;

import static io.github.bnconsistency.bench.Interleaved.Arm;

import io.github.bnconsistency.BatchNormConvergenceListener;
import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.report.ConsistencyReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.DoublePredicate;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The side-by-side benchmark of issue 7: every figure is a ratio of two things measured in this JVM, interleaved
 * after warm-up, median over rounds of the per-round ratio. Prints one {@code name: value} line per figure (lines
 * starting with {@code #} are context: absolute times, settings), then a one-line summary of the targets.
 *
 * <pre>mvn -q -Pbench verify                                  # everything, ~17 minutes on 2 cores
 * mvn -q -Pbench verify -Dbench.cases=cnn,resnet50         # a subset</pre>
 *
 * Cases: {@code cnn}, {@code resnet50} (check against one and two forward passes), {@code naive} (one forward pass
 * per BN layer against the check, ResNet50), {@code recalibrate}, {@code listener}, {@code memory} (child JVMs).
 */
public final class Benchmark {

    private static final List<String> ALL_CASES =
            List.of("cnn", "consistent", "dropout", "resnet50", "naive", "recalibrate", "listener", "memory");
    /** Iterations per timed fit block: 10 listener firings on the small CNN, 1 on ResNet50. */
    private static final int CNN_FIT_ITERATIONS = 100;
    /**
     * Rounds for the small CNN's listener figure: a snapshot costs ~1 ms against ~35 ms per iteration, far below
     * the round-to-round noise of a shared machine, so its median needs more rounds than the other figures.
     */
    private static final int CNN_LISTENER_ROUNDS = 15;

    private static final int RESNET_FIT_ITERATIONS = 10;

    private record Target(String figure, String relation, double bound, DoublePredicate met) {
        static Target atMost(String figure, double bound) {
            return new Target(figure, "<=", bound, v -> v <= bound);
        }

        static Target atLeast(String figure, double bound) {
            return new Target(figure, ">=", bound, v -> v >= bound);
        }
    }

    private static final List<Target> TARGETS = List.of(
            Target.atMost("resnet50.check_over_two_passes", 1.15),
            Target.atLeast("resnet50.naive_per_layer_over_check", 10),
            Target.atMost("cnn.recalibrate_over_train_pass", 1.2),
            Target.atMost("resnet50.recalibrate_over_train_pass", 1.2),
            Target.atMost("cnn.listener_overhead", 1.05),
            Target.atMost("resnet50.listener_overhead", 1.05),
            Target.atMost("resnet50.memory_growth_20x", 1.10));

    private final int rounds;
    private final int memoryRounds;
    private final List<String[]> figures = new ArrayList<>();

    private Benchmark(int rounds, int memoryRounds) {
        this.rounds = rounds;
        this.memoryRounds = memoryRounds;
    }

    public static void main(String[] args) throws Exception {
        Set<String> cases = cases(System.getProperty("bench.cases", "all"));
        int rounds = Math.max(5, Integer.getInteger("bench.rounds", 7));
        int memoryRounds = Math.max(5, Integer.getInteger("bench.memoryRounds", 5));
        System.out.println("# batchnorm-consistency benchmark, " + LocalDate.now() + ", Java "
                + System.getProperty("java.version") + ", "
                + Runtime.getRuntime().availableProcessors()
                + " cores, OMP_NUM_THREADS=" + System.getenv("OMP_NUM_THREADS") + ", max heap "
                + Runtime.getRuntime().maxMemory() / (1 << 20) + " MB, " + rounds + " timed rounds per figure"
                + " (median of per-round ratios), cases " + String.join(",", cases));
        Benchmark bench = new Benchmark(rounds, memoryRounds);
        if (cases.contains("cnn")) {
            bench.checkCase("cnn", BenchModels.smallCnn(42), BenchModels.cnnBatch(7));
        }
        if (cases.contains("consistent")) {
            bench.consistentCase();
        }
        if (cases.contains("dropout")) {
            bench.dropoutCase();
        }
        if (cases.contains("resnet50")) {
            bench.checkCase("resnet50", BenchModels.resnet50(42), BenchModels.resnetBatch(7));
        }
        if (cases.contains("naive")) {
            bench.naivePerLayer();
        }
        if (cases.contains("recalibrate")) {
            bench.recalibrate("cnn", BenchModels.smallCnn(43), BenchModels.cnnBatch(8));
            bench.recalibrate("resnet50", BenchModels.resnet50(43), BenchModels.resnetBatch(8));
        }
        if (cases.contains("listener")) {
            bench.listener("cnn", BenchModels.smallCnn(44), BenchModels.cnnBatch(9), CNN_FIT_ITERATIONS);
            bench.listener("resnet50", BenchModels.resnet50(44), BenchModels.resnetBatch(9), RESNET_FIT_ITERATIONS);
        }
        if (cases.contains("memory")) {
            bench.memory();
        }
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

    /** check_over_inference and check_over_two_passes. */
    private void checkCase(String name, Model model, DataSet data) {
        INDArray x = data.getFeatures();
        Runnable check = () -> BatchNormInspector.inspect(model, data);
        Runnable inference = forward(model, x, false);
        Runnable training = forward(model, x, true);
        int repetitions = repetitions(check);
        double[][] s = Interleaved.run(
                2,
                rounds,
                new Arm("check", repetitions, check),
                new Arm("inference", repetitions(inference), inference),
                new Arm("training", repetitions(training), training));
        ConsistencyReport report = BatchNormInspector.inspect(model, data);
        context(name + ": full check " + ms(Interleaved.medianOf(s, 0)) + ", output(x,false) "
                + ms(Interleaved.medianOf(s, 1)) + ", output(x,true) " + ms(Interleaved.medianOf(s, 2))
                + " (" + report.layers().size() + " BN layers, batch " + x.size(0) + " " + Arrays.toString(x.shape())
                + ", inference outputs " + (report.output().nonFiniteInferenceValues() > 0 ? "non-finite" : "finite")
                + ")");
        figure(name + ".check_over_inference", Interleaved.ratios(s, r -> r[0] / r[1]));
        figure(name + ".check_over_two_passes", Interleaved.ratios(s, r -> r[0] / (r[1] + r[2])));
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
        Runnable check = () -> BatchNormInspector.inspect(withDropout, data);
        Runnable plainCheck = () -> BatchNormInspector.inspect(without, data);
        Runnable inference = forward(without, x, false);
        Runnable training = forward(without, x, true);
        double[][] s = Interleaved.run(
                2,
                rounds,
                new Arm("check with dropout", repetitions(check), check),
                new Arm("check without", repetitions(plainCheck), plainCheck),
                new Arm("inference", repetitions(inference), inference),
                new Arm("training", repetitions(training), training));
        ConsistencyReport report = BatchNormInspector.inspect(withDropout, data);
        context("dropout: check with dropout upstream " + ms(Interleaved.medianOf(s, 0)) + ", without "
                + ms(Interleaved.medianOf(s, 1)) + ", output(x,false) " + ms(Interleaved.medianOf(s, 2))
                + ", output(x,true) " + ms(Interleaved.medianOf(s, 3)) + " (statuses "
                + report.layers().stream().map(l -> l.status().name()).toList() + ")");
        figure("dropout.check_over_two_passes", Interleaved.ratios(s, r -> r[0] / (r[2] + r[3])));
        figure("dropout.noisy_sweep_cost", Interleaved.ratios(s, r -> r[0] / r[1]));
    }

    /**
     * The common path on a model whose moving statistics match training at batch size 12 within sampling noise:
     * the small CNN's statistics set to the average over 20 other batches of 12, one probe batch of 12. Its outputs differ from the training path within noise, so the check adds the double-precision re-check
     * and the output-noise sweep; without them (withoutDoublePrecisionCheck, withoutOutputNoise) it is two passes.
     */
    private void consistentCase() {
        MultiLayerNetwork model = BenchModels.smallCnn(46);
        java.util.List<DataSet> training = new ArrayList<>();
        for (int b = 0; b < 20; b++) {
            training.add(BenchModels.cnnBatch(100 + b));
        }
        io.github.bnconsistency.BatchNormRecalibration.recalibrate(
                model,
                io.github.bnconsistency.probe.ProbeData.of(
                        new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(training, 1)),
                io.github.bnconsistency.RecalibrationOptions.defaults().withTrainingBatchSize(BenchModels.BATCH));
        DataSet data = BenchModels.cnnBatch(11);
        INDArray x = data.getFeatures();
        io.github.bnconsistency.InspectionOptions options =
                io.github.bnconsistency.InspectionOptions.defaults().withTrainingBatchSize(BenchModels.BATCH);
        io.github.bnconsistency.InspectionOptions plain =
                options.withoutDoublePrecisionCheck().withoutOutputNoise();
        io.github.bnconsistency.probe.ProbeData probe = io.github.bnconsistency.probe.ProbeData.of(data);
        Runnable check = () -> BatchNormInspector.inspect(model, probe, options);
        Runnable plainCheck = () -> BatchNormInspector.inspect(model, probe, plain);
        Runnable inference = forward(model, x, false);
        Runnable training2 = forward(model, x, true);
        double[][] s = Interleaved.run(
                2,
                rounds,
                new Arm("check", repetitions(check), check),
                new Arm("plain check", repetitions(plainCheck), plainCheck),
                new Arm("inference", repetitions(inference), inference),
                new Arm("training", repetitions(training2), training2));
        ConsistencyReport report = BatchNormInspector.inspect(model, probe, options);
        context("consistent: full check " + ms(Interleaved.medianOf(s, 0)) + ", without the re-check and the noise "
                + ms(Interleaved.medianOf(s, 1)) + ", output(x,false) " + ms(Interleaved.medianOf(s, 2))
                + ", output(x,true) " + ms(Interleaved.medianOf(s, 3)) + " (statuses "
                + report.layers().stream().map(l -> l.status().name()).toList() + ", max |train - inference| "
                + report.output().maxAbsDifference() + ", noise measured "
                + report.reference().noise().isPresent()
                + ", double re-check " + report.reference().doublePrecision().isPresent() + ")");
        figure("consistent.check_over_two_passes", Interleaved.ratios(s, r -> r[0] / (r[2] + r[3])));
        figure("consistent.plain_check_over_two_passes", Interleaved.ratios(s, r -> r[1] / (r[2] + r[3])));
    }

    /** naive_per_layer_over_check on ResNet50. */
    private void naivePerLayer() {
        ComputationGraph model = BenchModels.resnet50(42);
        DataSet data = BenchModels.resnetBatch(7);
        NaivePerLayer naive = new NaivePerLayer(model);
        double[] sink = {0};
        BatchNormInspector.inspect(model, data); // warm-up: the naive arm alone takes ~50 forward passes per round
        double[][] s = Interleaved.run(
                0,
                5,
                new Arm("naive", () -> sink[0] += naive.run(data.getFeatures())),
                new Arm("check", () -> BatchNormInspector.inspect(model, data)));
        context("resnet50: one forward pass per BN layer (" + naive.layers() + " layers, training and inference path "
                + "to each layer's input) " + ms(Interleaved.medianOf(s, 0)) + ", full check "
                + ms(Interleaved.medianOf(s, 1)) + " (5 rounds)");
        figure("resnet50.naive_per_layer_over_check", Interleaved.ratios(s, r -> r[0] / r[1]));
    }

    /** recalibrate_over_train_pass: recalibration against one training-path forward pass on the same data. */
    private void recalibrate(String name, Model model, DataSet data) {
        Runnable recalibrate = () -> BatchNormRecalibration.recalibrate(model, data);
        Runnable training = forward(model, data.getFeatures(), true);
        double[][] s = Interleaved.run(
                2,
                rounds,
                new Arm("recalibrate", repetitions(recalibrate), recalibrate),
                new Arm("training", repetitions(training), training));
        context(name + ": recalibrate " + ms(Interleaved.medianOf(s, 0)) + ", output(x,true) "
                + ms(Interleaved.medianOf(s, 1)));
        figure(name + ".recalibrate_over_train_pass", Interleaved.ratios(s, r -> r[0] / r[1]));
    }

    /** listener_overhead: blocks of fit() iterations with BatchNormConvergenceListener.every(10) and without. */
    private void listener(String name, Model model, DataSet data, int iterations) {
        BatchNormConvergenceListener listener = BatchNormConvergenceListener.every(10);
        Runnable with = fit(model, data, iterations, listener);
        Runnable without = fit(model, data, iterations);
        int listenerRounds = name.equals("cnn") ? Math.max(rounds, CNN_LISTENER_ROUNDS) : 5;
        double[][] s = Interleaved.run(1, listenerRounds, new Arm("with listener", with), new Arm("without", without));
        context(name + ": " + iterations + " fit() iterations with the listener every 10 "
                + ms(Interleaved.medianOf(s, 0))
                + ", without " + ms(Interleaved.medianOf(s, 1)) + " (" + listenerRounds + " rounds; "
                + listener.snapshots().size() + " snapshots taken)");
        figure(name + ".listener_overhead", Interleaved.ratios(s, r -> r[0] / r[1]));
    }

    /** memory_growth_20x: peak RSS of a fresh JVM checking ResNet50 on 20 batches against 1 batch. */
    private void memory() throws IOException, InterruptedException {
        double[] ratios = new double[memoryRounds];
        long[][] peaks = new long[memoryRounds][2];
        for (int r = 0; r < memoryRounds; r++) {
            int[] order = r % 2 == 0 ? new int[] {1, 20} : new int[] {20, 1};
            for (int batches : order) {
                String line = child(batches);
                peaks[r][batches == 1 ? 0 : 1] = Long.parseLong(field(line, "peak_rss_kb"));
                if (r == 0) {
                    context("memory child: "
                            + line.substring(MemoryProbe.PREFIX.length()).trim());
                }
            }
            ratios[r] = (double) peaks[r][1] / peaks[r][0];
        }
        context("resnet50 check, peak RSS of a fresh JVM (-Xmx2g): 1 batch " + median(peaks, 0) / 1024
                + " MB, 20 batches " + median(peaks, 1) / 1024 + " MB (medians of " + memoryRounds
                + " pairs of child JVMs)");
        figure("resnet50.memory_growth_20x", ratios);
    }

    private static long median(long[][] peaks, int column) {
        return (long) Interleaved.median(
                Arrays.stream(peaks).mapToDouble(p -> p[column]).toArray());
    }

    private static String child(int batches) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(
                        java,
                        "-Xmx2g",
                        "-cp",
                        System.getProperty("java.class.path"),
                        MemoryProbe.class.getName(),
                        Integer.toString(batches))
                .redirectErrorStream(true);
        builder.environment().put("OMP_NUM_THREADS", "1");
        Process process = builder.start();
        StringBuilder output = new StringBuilder();
        String result = null;
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                output.append(line).append('\n');
                if (line.startsWith(MemoryProbe.PREFIX)) {
                    result = line;
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || result == null) {
            throw new IllegalStateException(
                    "memory probe (" + batches + " batches) failed, exit " + exit + ":\n" + output);
        }
        return result;
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

    /** Repetitions per timed block so that one block lasts at least ~0.3 s (1 for ResNet50-sized operations). */
    private static int repetitions(Runnable operation) {
        double fastest = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            operation.run();
            fastest = Math.min(fastest, (System.nanoTime() - start) / 1e9);
        }
        return (int) Math.max(1, Math.ceil(0.3 / fastest));
    }

    /** Prints the rounds' ratios as context, then the figure: their median. */
    private void figure(String name, double[] perRound) {
        StringBuilder rounds = new StringBuilder();
        for (double r : perRound) {
            rounds.append(String.format(Locale.ROOT, " %.3f", r));
        }
        context(name + " per round:" + rounds);
        String formatted = String.format(Locale.ROOT, "%.3f", Interleaved.median(perRound));
        figures.add(new String[] {name, formatted});
        System.out.println(name + ": " + formatted);
        System.out.flush();
    }

    private static void context(String text) {
        System.out.println("# " + text);
        System.out.flush();
    }

    private static String ms(double seconds) {
        return String.format(Locale.ROOT, seconds < 0.1 ? "%.2f ms" : "%.0f ms", seconds * 1000);
    }

    private String summary() {
        List<String> missed = new ArrayList<>();
        int measured = 0;
        for (Target target : TARGETS) {
            for (String[] figure : figures) {
                if (figure[0].equals(target.figure())) {
                    measured++;
                    double value = Double.parseDouble(figure[1]);
                    if (!target.met().test(value)) {
                        missed.add(target.figure() + " " + figure[1] + " (target " + target.relation() + " "
                                + target.bound() + ")");
                    }
                }
            }
        }
        return "summary: " + (measured - missed.size()) + " of " + measured + " targets met"
                + (missed.isEmpty() ? "" : "; missed: " + String.join(", ", missed))
                + (measured < TARGETS.size() ? " (" + (TARGETS.size() - measured) + " not measured in this run)" : "");
    }
}
