package io.github.bnconsistency.lint;

import static io.github.bnconsistency.report.Numbers.number;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.internal.engine.BatchNormSite;
import io.github.bnconsistency.internal.engine.ConsistencyEngine;
import io.github.bnconsistency.internal.engine.LayerVerdicts;
import io.github.bnconsistency.internal.engine.Models;
import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.LintFinding;
import io.github.bnconsistency.report.ProbeSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.GradientNormalization;

/**
 * Rules that explain why BatchNormalization moving statistics cannot or will not converge. Some need only the
 * configuration; others read what a check saw on the probe data.
 *
 * <pre>{@code
 * for (LintFinding finding : BatchNormLint.check(model)) {
 *     System.out.println(finding);
 * }
 * }</pre>
 */
public final class BatchNormLint {

    /** A decay that converges quickly, suggested when a layer's is higher (by lint and by the report's fixes). */
    public static final double SUGGESTED_DECAY = 0.9;

    private BatchNormLint() {}

    /**
     * The configuration rules, at the default layer tolerance.
     *
     * @param model a MultiLayerNetwork or ComputationGraph
     * @return the findings, empty when no rule applies
     */
    public static List<LintFinding> check(Model model) {
        List<LintFinding> findings = new ArrayList<>();
        int iterations = Models.iterationCount(model);
        for (BatchNormSite site : ConsistencyEngine.batchNormSites(model)) {
            gradientNormalization(site).ifPresent(findings::add);
            if (!site.frozen()) {
                decayTooHigh(
                                site.name(),
                                site.config().getDecay(),
                                iterations,
                                Tolerances.DEFAULT_LAYER_TOLERANCE,
                                true)
                        .ifPresent(findings::add);
            }
        }
        return findings;
    }

    /**
     * The configuration rules and the rules about what the check saw, for the layers it found diverging or could
     * not measure.
     *
     * @param model a MultiLayerNetwork or ComputationGraph
     * @param report a report of the check of {@code model}
     * @return the findings, empty when no rule applies
     */
    public static List<LintFinding> check(Model model, ConsistencyReport report) {
        List<LintFinding> findings = new ArrayList<>();
        int iterations = Models.iterationCount(model);
        for (BatchNormSite site : ConsistencyEngine.batchNormSites(model)) {
            gradientNormalization(site).ifPresent(findings::add);
            LayerFinding layer = report.layer(site.name()).orElse(null);
            if (layer == null) {
                continue;
            }
            if (layer.isDiverging() && !layer.frozen()) {
                // the report's Fix line gives the measured iterations still needed; no second, different count here
                decayTooHigh(layer.name(), layer.decay(), iterations, report.layerTolerance(), false)
                        .ifPresent(findings::add);
            }
            if (layer.isDiverging() && layer.frozen()) {
                findings.add(new LintFinding(
                        LintFinding.FROZEN_MISMATCH,
                        layer.name(),
                        "frozen (FrozenLayer or FrozenLayerWithBackprop): it never updates its moving statistics, and "
                                + "they do not match this data (D " + number(layer.maxDivergence()) + ").",
                        "recalibrate it on representative data (BatchNormRecalibration.recalibrate(model, ProbeData.of(data), "
                                + "RecalibrationOptions.defaults().includingFrozenLayers())) "
                                + "or unfreeze it."));
            }
            if (layer.status() == LayerStatus.CORRUPTED) {
                findings.add(new LintFinding(
                        LintFinding.CORRUPTED_STATISTICS,
                        layer.name(),
                        "its stored moving statistics are unusable (NaN, infinite, or a negative variance) in channels "
                                + layer.corruptedChannels()
                                + ": a training run that diverged, or a damaged model file.",
                        "recalibrate the moving statistics on representative data (BatchNormRecalibration), and look "
                                + "for the cause (learning rate, NaN in the training data)."));
            }
            if (layer.layout() == ChannelLayout.DENSE && report.probe().smallestBatch() == 1) {
                findings.add(new LintFinding(
                        LintFinding.SINGLE_EXAMPLE_BATCHES,
                        layer.name(),
                        "dense input in probe batches of 1 example: the batch variance is 0, so its statistics say "
                                + "nothing (and training on such batches drives the moving variance to 0).",
                        "probe, and train, with mini-batches of several examples."));
            }
            unrepresentativeProbeBatches(layer, report.probe()).ifPresent(findings::add);
            if (!layer.layout().isSupported()) {
                findings.add(new LintFinding(
                        LintFinding.UNSUPPORTED_INPUT,
                        layer.name(),
                        "its input has layout " + layer.layout()
                                + ", which DL4J 1.0.0-M2.1 cannot normalize (for rank-3 "
                                + "input in NCHW format it takes the minibatch axis for the channel axis).",
                        "feed it [minibatch, time, channels] input with the layer in NHWC format "
                                + "(.dataFormat(CNN2DFormat.NHWC)), or normalize differently."));
            }
        }
        return findings;
    }

    private static Optional<LintFinding> gradientNormalization(BatchNormSite site) {
        GradientNormalization normalization = site.config().getGradientNormalization();
        if (normalization == null || normalization == GradientNormalization.None) {
            return Optional.empty();
        }
        String effect = LayerVerdicts.rescalesMovingStatisticUpdates(normalization)
                ? "rescales its moving-statistic updates together with its other gradients, so they do not follow "
                        + "the moving average and may never converge."
                : "clips its moving-statistic updates too, so large gaps close more slowly than the moving average "
                        + "would.";
        return Optional.of(new LintFinding(
                LintFinding.GRADIENT_NORMALIZATION,
                site.name(),
                "gradient normalization " + normalization + " " + effect,
                "configure BatchNormalization layers with .gradientNormalization(GradientNormalization.None) "
                        + "(set it per layer instead of on the whole network)."));
    }

    private static Optional<LintFinding> decayTooHigh(
            String layer, double decay, int iterations, double tolerance, boolean withCounts) {
        double initialWeight = Math.pow(decay, iterations);
        if (iterations <= 0 || !(initialWeight > tolerance) || !(decay < 1)) {
            return Optional.empty();
        }
        String until = withCounts ? ", and will until iteration " + iterationsToForget(decay, tolerance) : "";
        String faster = decay > SUGGESTED_DECAY
                ? ", lower the decay (e.g. " + number(SUGGESTED_DECAY)
                        + (withCounts
                                ? ", at which initial values weigh " + number(tolerance) + " or less after "
                                        + iterationsToForget(SUGGESTED_DECAY, tolerance) + " iterations in all"
                                : "")
                        + ")"
                : "";
        return Optional.of(new LintFinding(
                LintFinding.DECAY_TOO_HIGH,
                layer,
                "decay " + number(decay) + " after " + iterations + " training iteration" + (iterations == 1 ? "" : "s")
                        + ": the initial moving statistics still weigh " + number(decay) + "^" + iterations + " = "
                        + number(initialWeight) + " of the moving average (more than " + number(tolerance) + ")" + until
                        + ".",
                "train longer" + faster + ", or recalibrate the moving statistics (BatchNormRecalibration)."));
    }

    /** The fewest iterations k with decay^k <= tolerance. */
    static long iterationsToForget(double decay, double tolerance) {
        return (long) Math.ceil(Math.log(tolerance) / Math.log(decay));
    }

    /** Batch means that spread this many times more than random batches' would: the batches are not random draws. */
    static final double BATCH_SPREAD_LIMIT = 3;

    /**
     * Random batches of {@code n} examples have batch means that spread by at most {@code sqrt(v / n)}, {@code v}
     * the variance over all values, which the within-batch (biased) variance {@code v*} estimates as
     * {@code v* n / (n-1)}: so by at most {@code sqrt(v* / (n-1))}, reached when values within an example are
     * perfectly correlated. When the median channel spreads over {@link #BATCH_SPREAD_LIMIT} times that, with 3 or
     * more batches, the batches were composed (e.g. one class each): the statistics, training-path outputs and the
     * verdicts then reflect the composition. The median keeps a few channels' chance spreads from deciding it, and
     * {@code n} is the smallest batch's size: a short last batch's mean spreads the most, by chance alone.
     */
    private static Optional<LintFinding> unrepresentativeProbeBatches(LayerFinding layer, ProbeSummary probe) {
        double smallestBatch = probe.smallestBatch();
        if (probe.batches() < 3 || smallestBatch < 2) {
            return Optional.empty();
        }
        double[] ratios = layer.channels().stream()
                .filter(c -> c.batchVariance() > 0)
                .mapToDouble(c -> c.batchMeanSpread() / Math.sqrt(c.batchVariance() / (smallestBatch - 1)))
                .sorted()
                .toArray();
        if (ratios.length == 0 || !(ratios[ratios.length / 2] > BATCH_SPREAD_LIMIT)) {
            return Optional.empty();
        }
        return Optional.of(new LintFinding(
                LintFinding.UNREPRESENTATIVE_PROBE_BATCHES,
                layer.name(),
                "the probe batches' means differ from one another over " + number(BATCH_SPREAD_LIMIT) + " times more "
                        + "than random batches of " + number(smallestBatch) + " examples would: the batches are "
                        + "composed (e.g. one class each), and in training mode each is normalized by its own "
                        + "statistics, so the verdicts and training-path outputs reflect how they were composed.",
                "probe with batches drawn as training draws them (shuffled, the training batch size), then check "
                        + "again."));
    }
}
