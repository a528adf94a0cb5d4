package io.github.bnconsistency.internal.diagnosis;

import static io.github.bnconsistency.report.Numbers.number;

import io.github.bnconsistency.lint.BatchNormLint;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.LintFinding;
import io.github.bnconsistency.report.UpdatesNeeded;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The one place that decides what a report advises: each diverging layer gets a {@link Cause}, and each cause its
 * advice ({@link #advice}), most direct first. Renderers only print {@link ConsistencyReport#fixes()}. Training is
 * advised only for the causes training cures ({@link Cause#curedByTraining()}): a frozen layer never updates,
 * gradient normalization keeps the updates from following the moving average, and corrupted statistics stay
 * corrupted.
 */
public final class Remedies {

    private Remedies() {}

    /** Why a diverging layer's statistics are off, as far as the advice goes. */
    public enum Cause {
        /** NaN, infinite or negative stored statistics. */
        CORRUPTED(false),
        /** Gradient normalization rescales the moving-statistic updates. */
        GRADIENT_NORMALIZATION(false),
        /**
         * Converged to the training-time statistics with dropout or noise upstream active, which inference does not
         * apply: training keeps them there.
         */
        VARIANCE_SHIFT(false),
        /** Frozen: the statistics never update. */
        FROZEN(false),
        /** Never trained: the statistics are the initial ones. */
        NEVER_TRAINED(true),
        /** The moving average has not caught up yet: more iterations converge it. */
        NOT_CONVERGED(true);

        private final boolean curedByTraining;

        Cause(boolean curedByTraining) {
            this.curedByTraining = curedByTraining;
        }

        /** Whether more training converges the statistics of a layer with this cause. */
        public boolean curedByTraining() {
            return curedByTraining;
        }
    }

    /** The report with its fixes decided from its layers and lint findings. */
    public static ConsistencyReport decided(ConsistencyReport report) {
        return report.withFixes(fixes(report.divergingLayers(), report.lint()));
    }

    /** A diverging layer's cause, from its verdict and the lint findings about it. */
    public static Cause causeOf(LayerFinding layer, List<LintFinding> lint) {
        if (layer.status() == LayerStatus.CORRUPTED) {
            return Cause.CORRUPTED;
        }
        if (layer.status() == LayerStatus.VARIANCE_SHIFT) {
            return Cause.VARIANCE_SHIFT;
        }
        if (layer.frozen()) {
            return Cause.FROZEN;
        }
        if (layer.updateBlocker().isPresent()) {
            return Cause.GRADIENT_NORMALIZATION; // the one blocker besides freezing (LayerVerdicts.updateBlocker)
        }
        boolean neverTrained = lint.stream()
                .anyMatch(f ->
                        f.rule().equals(LintFinding.NEVER_TRAINED) && f.layer().equals(layer.name()));
        return neverTrained ? Cause.NEVER_TRAINED : Cause.NOT_CONVERGED;
    }

    static List<String> fixes(List<LayerFinding> diverging, List<LintFinding> lint) {
        if (diverging.isEmpty()) {
            return List.of();
        }
        Map<Cause, List<LayerFinding>> byCause = new LinkedHashMap<>();
        for (Cause cause : Cause.values()) {
            List<LayerFinding> layers =
                    diverging.stream().filter(l -> causeOf(l, lint) == cause).toList();
            if (!layers.isEmpty()) {
                byCause.put(cause, layers);
            }
        }
        List<String> fixes = new ArrayList<>();
        if (lint.stream().anyMatch(f -> f.rule().equals(LintFinding.UNREPRESENTATIVE_PROBE_BATCHES))) {
            fixes.add("first probe with batches drawn as training draws them (these verdicts may reflect only how the "
                    + "probe batches were composed)");
        }
        byCause.forEach((cause, layers) -> fixes.addAll(advice(cause, layers, byCause.size() > 1)));
        if (byCause.keySet().stream().anyMatch(c -> c == Cause.NOT_CONVERGED || c == Cause.NEVER_TRAINED)) {
            fixes.add(RECALIBRATE);
        }
        return fixes.stream().distinct().toList();
    }

    /** Plain recalibration, which leaves frozen layers alone. */
    static final String RECALIBRATE =
            "recalibrate the moving statistics on representative data (BatchNormRecalibration.recalibrate)";

    /**
     * The advice for the layers of one cause; {@code named} when other causes share the report, so each piece of
     * advice says which layers it is for.
     */
    static List<String> advice(Cause cause, List<LayerFinding> layers, boolean named) {
        String which = named ? " (" + names(layers) + ")" : "";
        return switch (cause) {
            case CORRUPTED ->
                List.of("recalibrate the corrupted layers" + which + " on representative data "
                        + "(BatchNormRecalibration.recalibrate; frozen ones with RecalibrationOptions.defaults()"
                        + ".includingFrozenLayers()) and look for the cause (a diverged training run, a damaged file)");
            case GRADIENT_NORMALIZATION ->
                List.of("set .gradientNormalization(GradientNormalization.None) on the "
                        + "BatchNormalization layers" + which + " (training with it never converges their statistics), "
                        + "then recalibrate them on representative data (BatchNormRecalibration.recalibrate)");
            case VARIANCE_SHIFT -> List.of(varianceShift(layers, which));
            case FROZEN ->
                List.of("recalibrate the frozen layers" + which + " on representative data with "
                        + "BatchNormRecalibration.recalibrate(model, ProbeData.of(data), RecalibrationOptions.defaults()"
                        + ".includingFrozenLayers()) (plain recalibrate leaves frozen layers alone, and training never "
                        + "updates them), or unfreeze them");
            case NEVER_TRAINED ->
                List.of("train the model (never trained" + (named ? ", " + names(layers) : "")
                        + ": the moving statistics are the initial ones)");
            case NOT_CONVERGED -> moreIterations(layers, which);
        };
    }

    /**
     * Recalibration on the noise-free path (what {@code BatchNormRecalibration} runs) sets the statistics inference
     * needs; moving the noise after the BatchNormalization layer removes the shift from training itself: a
     * DropoutLayer moves, dropout or weight noise set on another layer comes off it (a DropoutLayer after the BN layer
     * takes its place).
     */
    private static String varianceShift(List<LayerFinding> layers, String which) {
        List<String> sources = layers.stream()
                .flatMap(l -> l.varianceShift().stream())
                .flatMap(v -> v.sources().stream())
                .distinct()
                .toList();
        List<String> dropoutLayers = sources.stream()
                .filter(source -> source.contains(" (DropoutLayer"))
                .map(Remedies::nameOf)
                .toList();
        List<String> configured = sources.stream()
                .filter(source -> !source.contains(" (DropoutLayer"))
                .map(Remedies::nameOf)
                .toList();
        List<String> names = sources.stream().map(Remedies::nameOf).toList();
        String noise = names.isEmpty() ? "the dropout or noise upstream" : String.join(", ", names);
        List<String> moves = new ArrayList<>();
        if (!dropoutLayers.isEmpty()) {
            moves.add("move " + String.join(", ", dropoutLayers) + " after the BatchNormalization layer");
        }
        if (!configured.isEmpty()) {
            moves.add(
                    "take the dropout or weight noise off " + String.join(", ", configured)
                            + " (.dropOut(null), .weightNoise(null)) and put a DropoutLayer after the BatchNormalization layer");
        }
        return "recalibrate after training with BatchNormRecalibration.recalibrate(model, data) on representative "
                + "training data without augmentation, which measures the statistics without dropout or noise, as "
                + "inference runs" + which + " (training with " + noise + " active holds the moving statistics "
                + "there, so longer training does not help, and training on brings the shift back)"
                + (moves.isEmpty() ? "" : ", or " + String.join(", and ", moves));
    }

    /** {@code drop1} of {@code drop1 (DropoutLayer, layer index 2: ...)}. */
    private static String nameOf(String source) {
        return source.contains(" (") ? source.substring(0, source.indexOf(" (")) : source;
    }

    /** The slowest layer's measured iterations, and what a lower decay would need instead. */
    private static List<String> moreIterations(List<LayerFinding> layers, String which) {
        List<String> fixes = new ArrayList<>();
        layers.stream()
                .filter(l -> l.updatesNeeded().kind() == UpdatesNeeded.Kind.ESTIMATE)
                .max(Comparator.comparingLong(l -> l.updatesNeeded().iterations()))
                .ifPresent(slowest -> {
                    fixes.add("train ~" + slowest.updatesNeeded().iterations() + " more iterations" + which
                            + " (at decay " + number(slowest.decay()) + ", with the weights settled: from now until "
                            + "the gaps measured here are within " + number(slowest.tolerance()) + ")");
                    if (slowest.decay() > BatchNormLint.SUGGESTED_DECAY) {
                        // the divergence depends on decay^k only, so k scales with 1/log(decay)
                        long faster = (long) Math.ceil(slowest.updatesNeeded().iterations()
                                * Math.log(slowest.decay())
                                / Math.log(BatchNormLint.SUGGESTED_DECAY));
                        fixes.add("lower decay to " + number(BatchNormLint.SUGGESTED_DECAY) + " (then ~" + faster
                                + " more iterations for the same gaps)");
                    }
                });
        return fixes;
    }

    private static String names(List<LayerFinding> layers) {
        Set<String> names =
                layers.stream().map(LayerFinding::name).collect(Collectors.toCollection(java.util.LinkedHashSet::new));
        List<String> list = List.copyOf(names);
        return list.size() <= 3
                ? String.join(", ", list)
                : String.join(", ", list.subList(0, 2)) + " and " + (list.size() - 2) + " more";
    }
}
