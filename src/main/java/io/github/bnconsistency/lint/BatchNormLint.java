package io.github.bnconsistency.lint;

import static io.github.bnconsistency.report.Numbers.number;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.internal.engine.BatchNormSite;
import io.github.bnconsistency.internal.engine.ConsistencyEngine;
import io.github.bnconsistency.internal.engine.DivergenceMath;
import io.github.bnconsistency.internal.engine.LayerVerdicts;
import io.github.bnconsistency.internal.engine.Models;
import io.github.bnconsistency.report.ChannelFinding;
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
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;

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
        requireModel(model);
        List<LintFinding> findings = new ArrayList<>();
        int iterations = Models.iterationCount(model);
        for (BatchNormSite site : ConsistencyEngine.batchNormSites(model)) {
            gradientNormalization(site).ifPresent(findings::add);
            activationIgnored(site).ifPresent(findings::add);
            dropoutIgnored(site).ifPresent(findings::add);
            if (!site.frozen() && mayStillCarryInitialValues(site, iterations)) {
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
        requireModel(model);
        if (report == null) {
            throw new IllegalArgumentException("The report is null: pass the report BatchNormInspector.inspect made "
                    + "for this model, or call check(model) for the configuration rules alone.");
        }
        List<LintFinding> findings = new ArrayList<>();
        int iterations = Models.iterationCount(model);
        for (BatchNormSite site : ConsistencyEngine.batchNormSites(model)) {
            gradientNormalization(site).ifPresent(findings::add);
            activationIgnored(site).ifPresent(findings::add);
            dropoutIgnored(site).ifPresent(findings::add);
            LayerFinding layer = report.layer(site.name()).orElse(null);
            if (layer == null) {
                continue;
            }
            if (layer.isDiverging()
                    && layer.status() != LayerStatus.VARIANCE_SHIFT // converged, to the training-time statistics
                    && !layer.frozen()
                    && initialValuesExplain(layer, iterations)) {
                // the report's Fix line gives the measured iterations still needed; no second, different count here
                if (iterations == 0) {
                    findings.add(neverTrained(layer));
                } else {
                    decayTooHigh(layer.name(), layer.decay(), iterations, report.layerTolerance(), false)
                            .ifPresent(findings::add);
                }
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

    private static void requireModel(Model model) {
        if (model == null) {
            throw new IllegalArgumentException(
                    "The model is null: pass the MultiLayerNetwork or ComputationGraph to lint.");
        }
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

    /**
     * DL4J's BatchNormalization layer never applies the activation its configuration carries: its {@code activate}
     * returns {@code preOutput}, the normalized, scaled and shifted input (layers/normalization/BatchNormalization
     * in 1.0.0-M2.1; {@code BatchNormLintTest} pins it on a model). A BatchNormalization layer gets an activation
     * from its builder or from the network-wide {@code NeuralNetConfiguration.Builder.activation}, which every layer
     * without its own inherits; after building the two cannot be told apart. SIGMOID, DL4J's default for every layer
     * without one, is therefore left alone (an explicit SIGMOID goes unnoticed); so is IDENTITY, which says what
     * happens. Keras imports set none (a Keras BatchNormalization has no activation): they carry that default.
     */
    private static Optional<LintFinding> activationIgnored(BatchNormSite site) {
        IActivation activation = site.config().getActivationFn();
        if (activation == null || activation instanceof ActivationIdentity || activation instanceof ActivationSigmoid) {
            return Optional.empty();
        }
        String named = activationName(activation);
        return Optional.of(new LintFinding(
                LintFinding.ACTIVATION_IGNORED,
                site.name(),
                "activation " + named + " is configured on this BatchNormalization layer (on the layer, or "
                        + "network-wide by NeuralNetConfiguration.Builder.activation, which every layer without its "
                        + "own inherits), but DL4J never applies an activation in a BatchNormalization layer: its "
                        + "output is the normalized input, scaled and shifted, not passed through " + named + ".",
                "if the activation is meant, add an ActivationLayer after it (new ActivationLayer.Builder()"
                        + ".activation(" + named + ").build()), and set .activation(Activation.IDENTITY) on the "
                        + "BatchNormalization layer, which says what it does."));
    }

    /**
     * DL4J's BatchNormalization layer never applies the dropout its configuration carries: its {@code activate}
     * normalizes the input without {@code applyDropOutIfNecessary} (1.0.0-M2.1 sources; {@code BatchNormLintTest}
     * pins it on a model). It gets one from its builder or from the network-wide {@code
     * NeuralNetConfiguration.Builder.dropOut}, which every layer inherits.
     */
    private static Optional<LintFinding> dropoutIgnored(BatchNormSite site) {
        return site.ignoredDropout()
                .map(dropout -> new LintFinding(
                        LintFinding.DROPOUT_IGNORED,
                        site.name(),
                        dropout + " is configured on this BatchNormalization layer (on the layer, or network-wide by "
                                + "NeuralNetConfiguration.Builder.dropOut, which every layer inherits), but DL4J never "
                                + "applies dropout in a BatchNormalization layer: nothing is dropped there.",
                        "if dropout is meant, add a DropoutLayer after the BatchNormalization layer (after it: "
                                + "dropout before it shifts the variance its statistics see in training), and set "
                                + ".dropOut(null) on the BatchNormalization layer, which says what it does."));
    }

    /** {@code Activation.TANH} when an {@link Activation} constant makes an equal function, else its own text. */
    static String activationName(IActivation activation) {
        for (Activation candidate : Activation.values()) {
            IActivation made;
            try {
                made = candidate.getActivationFunction();
            } catch (RuntimeException notMadeThisWay) {
                continue; // a few constants need arguments to be made
            }
            if (made.equals(activation)) {
                return "Activation." + candidate.name();
            }
        }
        return activation.getClass().getSimpleName() + " (" + activation + ")";
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
                                ? ", at which the initial values weigh " + number(tolerance) + " or less from "
                                        + "training iteration " + iterationsToForget(SUGGESTED_DECAY, tolerance)
                                        + " on, counted from the first; a check on data gives the iterations its "
                                        + "measured gaps still need"
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

    /**
     * Relative slack on {@code decay^t} for float rounding of a stored variance (FLOAT keeps 7 digits, and
     * {@code log10stdev} storage goes through log and power): far below any share the rule speaks of (over 0.05).
     */
    static final double STORED_VARIANCE_SLACK = 1e-4;

    /**
     * Whether the stored statistics may still carry the initial values at their weight {@code decay^t}: from DL4J's
     * initial variance 1, {@code t} moving-average steps give {@code v_t = decay^t + sum (1-decay) decay^(t-k) v_k}
     * (exactly, in either storage: the log-std update is computed from the variances), at least {@code decay^t} in
     * every channel. A channel below it means the statistics were written otherwise (recalibrated, loaded, imported):
     * the initial values do not weigh that much there, and the rule keeps quiet. Without probe data this is all the
     * configuration rule can tell; with it, {@link #initialValuesExplain} decides.
     */
    static boolean mayStillCarryInitialValues(BatchNormSite site, int iterations) {
        return mayStillCarryInitialValues(site.movingVariance(), site.config().getDecay(), iterations);
    }

    private static boolean mayStillCarryInitialValues(double[] movingVariances, double decay, int iterations) {
        double initialWeight = Math.pow(decay, Math.max(0, iterations));
        for (double v : movingVariances) {
            if (v < initialWeight * (1 - STORED_VARIANCE_SLACK)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the initial values (mean 0, variance 1) still weighing {@code w = decay^t} explain a diverging layer:
     * the moving statistics they predict, {@code (1-w) mu*} and {@code w + (1-w) v*} (the target statistics standing
     * in for the batches trained on), lie closer to the stored ones than the target does (mean divergence over
     * channels, both measured from the stored statistics). After a recalibration on other data, or for an imported
     * model's own statistics, the stored statistics sit near some data's statistics and far from that prediction:
     * the rule does not speak for them. For {@code t = 0} the prediction is the initial values themselves. First of
     * all the stored variances must allow it at all ({@link #mayStillCarryInitialValues}: at least {@code w} in
     * every channel), which alone rules out most recalibrated layers: their variances are the data's.
     */
    static boolean initialValuesExplain(LayerFinding layer, int iterations) {
        if (iterations < 0 || layer.channels().isEmpty() || !(layer.decay() < 1)) {
            return false;
        }
        double[] movingVariances = layer.channels().stream()
                .mapToDouble(ChannelFinding::movingVariance)
                .toArray();
        if (!mayStillCarryInitialValues(movingVariances, layer.decay(), iterations)) {
            return false;
        }
        double w = Math.pow(layer.decay(), iterations);
        double fromPrediction = 0;
        double fromTarget = 0;
        for (ChannelFinding c : layer.channels()) {
            double predictedMean = (1 - w) * c.batchMean();
            double predictedVariance = w + (1 - w) * c.batchVariance();
            fromPrediction += DivergenceMath.divergence(
                    predictedMean, predictedVariance, c.movingMean(), c.movingVariance(), layer.eps());
            fromTarget += c.divergence();
        }
        return fromPrediction < fromTarget;
    }

    private static LintFinding neverTrained(LayerFinding layer) {
        return new LintFinding(
                LintFinding.NEVER_TRAINED,
                layer.name(),
                // one text for every such layer, so that a report gives them one Why line
                "never trained (iteration 0): its moving statistics are still the initial ones (mean 0, variance 1), "
                        + "which this data's are not.",
                "train the model (each fit() iteration moves them toward the batch statistics), or recalibrate "
                        + "the moving statistics on representative data (BatchNormRecalibration).");
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
