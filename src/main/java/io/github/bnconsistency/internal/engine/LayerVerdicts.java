package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.OutputNoise;
import io.github.bnconsistency.report.UpdatesNeeded;
import io.github.bnconsistency.report.VarianceShift;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.conf.GradientNormalization;

/** Turns accumulated statistics into per-layer findings and verdicts at a given layer tolerance. */
public final class LayerVerdicts {

    private LayerVerdicts() {}

    /**
     * One layer's finding at training batch size {@code n}: the target statistics are the average batch statistics
     * of the training-path batches when those stand for training's ({@code fromBatches}: they have the training
     * size, or the probe's batches are taken as training's), else those the per-example statistics give for batches
     * of {@code n}; the noise floor comes from the per-example statistics at {@code n}, so one probe batch has one.
     */
    static LayerFinding finding(
            BatchNormSite site,
            ChannelLayout layout,
            ChannelStatisticsAccumulator statistics,
            ExampleStatistics examples,
            long n,
            boolean fromBatches,
            double tolerance) {
        double eps = site.config().getEps();
        double decay = site.config().getDecay();
        Optional<String> blocker = updateBlocker(site);
        List<ChannelFinding> channels = new ArrayList<>();
        if (layout.isSupported() && statistics.batches() > 0) {
            double[] movingMean = site.movingMean();
            double[] movingVariance = site.movingVariance();
            double batchesOfN = (double) examples.examples() / n; // how many training-size batches the probe makes
            for (int c = 0; c < statistics.channels(); c++) {
                double mu = fromBatches ? statistics.batchMean(c) : examples.mean(c);
                double v = fromBatches ? statistics.batchVariance(c) : examples.targetVariance(c, n);
                double noise = DivergenceMath.noiseFloor(
                        v,
                        examples.batchMeanSpread(c, n),
                        examples.batchVarianceSpread(c, n),
                        decay,
                        eps,
                        batchesOfN,
                        blocker.isEmpty());
                channels.add(channel(
                        c,
                        mu,
                        v,
                        movingMean[c],
                        movingVariance[c],
                        statistics.batchMeanSpread(c),
                        statistics.batchVarianceSpread(c),
                        statistics.rmsDrift(c) / Math.sqrt(v + eps),
                        noise,
                        eps));
            }
        }
        return judged(new LayerFinding(
                site.name(),
                site.position(),
                site.location(),
                decay,
                eps,
                site.storage(),
                layout,
                unmeasured(layout, statistics),
                site.frozen(),
                blocker,
                channels,
                LayerStatus.UNSUPPORTED,
                tolerance,
                UpdatesNeeded.none(),
                channels.stream().mapToDouble(ChannelFinding::noiseFloor).max().orElse(0)));
    }

    /**
     * The same finding with other moving statistics (e.g. just written by a recalibration): every number is
     * recomputed against the same batch statistics.
     */
    static LayerFinding withMovingStatistics(LayerFinding f, double[] movingMean, double[] movingVariance) {
        List<ChannelFinding> channels = new ArrayList<>();
        for (ChannelFinding c : f.channels()) {
            channels.add(channel(
                    c.channel(),
                    c.batchMean(),
                    c.batchVariance(),
                    movingMean[c.channel()],
                    movingVariance[c.channel()],
                    c.batchMeanSpread(),
                    c.batchVarianceSpread(),
                    c.inferenceInputDrift(),
                    c.noiseFloor(),
                    f.eps()));
        }
        // the statistics are new: what shifted the old ones says nothing about them
        return judged(f.withChannels(channels).withVarianceShift(Optional.empty()));
    }

    /**
     * The finding of a layer whose moving statistics are off but match the training-time statistics with the noise
     * upstream active: a variance shift, which more training does not remove.
     */
    static LayerFinding withVarianceShift(LayerFinding f, VarianceShift shift) {
        return judged(f.withVarianceShift(Optional.of(shift)));
    }

    private static ChannelFinding channel(
            int c,
            double mu,
            double v,
            double movingMean,
            double movingVariance,
            double meanSpread,
            double varianceSpread,
            double drift,
            double noise,
            double eps) {
        return new ChannelFinding(
                c,
                mu,
                v,
                movingMean,
                movingVariance,
                meanSpread,
                varianceSpread,
                DivergenceMath.meanShift(mu, v, movingMean, eps),
                DivergenceMath.varianceRatio(v, movingVariance, eps),
                DivergenceMath.divergence(mu, v, movingMean, movingVariance, eps),
                drift,
                noise);
    }

    /**
     * The same finding judged at another tolerance. A layer judged within noise by its effect on the outputs
     * ({@link #judgedByOutputs}) stays so: that effect does not depend on the tolerance.
     */
    public static LayerFinding withTolerance(LayerFinding f, double tolerance) {
        Tolerances.requireValid(tolerance, "layer tolerance");
        LayerFinding judged = judged(f.withVerdict(f.status(), tolerance, f.updatesNeeded()));
        return f.withinNoiseByOutputs() && judged.status() == LayerStatus.NOT_CONVERGED
                ? withinNoiseByItsOutputs(judged)
                : judged;
    }

    /**
     * Whether this layer's gap may be judged by what it does to the outputs: it is not converged; the reference
     * normalizes it with its targets (measured and updating, {@link Inspection#setToTargets}; a frozen layer keeps
     * its statistics there), so the inference outputs differ from the reference by what its gap does to them;
     * nothing blocks its updates (frozen, gradient normalization: causes of their own, which the report names); and
     * after {@code iterations} its moving average weighs its initial values at most the layer tolerance
     * ({@code decay^iterations}; an unknown count, -1, counts as none), so the gap is not the warm-up that more
     * training cures, whatever the outputs on this probe show.
     */
    static boolean judgeableByOutputs(LayerFinding f, int iterations) {
        return f.status() == LayerStatus.NOT_CONVERGED
                && Inspection.setToTargets(f)
                && f.updateBlocker().isEmpty()
                && f.decay() < 1
                && Math.pow(f.decay(), Math.max(0, iterations)) <= f.tolerance();
    }

    /**
     * Whether this layer is converged (or within noise), or off in a way its effect on the outputs may judge
     * ({@link #judgeableByOutputs}): what every layer must be for the output noise to decide anything.
     */
    static boolean convergedOrJudgeableByOutputs(LayerFinding f, int iterations) {
        return f.status().isConverged() || judgeableByOutputs(f, iterations);
    }

    /**
     * Whether the inference outputs stray from the reference no further than sampling noise takes them, by every
     * measure the noise has: the max difference, and for class scores the changed predictions and, with labels, the
     * accuracy gap (the allowances of {@link OutputNoise}).
     */
    static boolean withinOutputNoise(OutputDivergence output, OutputNoise noise) {
        if (!(output.isMeasured() && output.allFinite() && output.maxAbsDifference() <= noise.maxAbsDifference())) {
            return false;
        }
        boolean predictions = !output.isClassifier()
                || Double.isNaN(noise.disagreement())
                || 1 - output.argmaxAgreement() <= noise.disagreement();
        boolean accuracy = !output.isClassifier()
                || output.labelledExamples() == 0
                || Double.isNaN(noise.accuracyGap())
                || Math.abs(output.trainingAccuracy() - output.inferenceAccuracy()) <= noise.accuracyGap();
        return predictions && accuracy;
    }

    /**
     * The report with its not-converged layers judged {@link LayerStatus#WITHIN_NOISE} (no updates needed) when their
     * gaps are beyond their statistics' sampling noise but do no more to the outputs than that noise does: every
     * layer is converged, within noise or {@link #judgeableByOutputs}, and the outputs are {@link #withinOutputNoise}
     * the measured output noise. Such a gap is real (e.g. the moving average lagging weights that still move, which
     * the statistics' noise floor does not model) but the outputs, and so the predictions, do not feel it beyond
     * noise; more training is no remedy for it. Without a noise measurement the report is as it was.
     */
    static ConsistencyReport judgedByOutputs(ConsistencyReport report) {
        Optional<OutputNoise> noise = report.reference().noise();
        int iterations = report.iterationCount();
        boolean judge = noise.isPresent()
                && report.layers().stream().anyMatch(l -> judgeableByOutputs(l, iterations))
                && report.layers().stream().allMatch(l -> convergedOrJudgeableByOutputs(l, iterations))
                && withinOutputNoise(report.output(), noise.get());
        if (!judge) {
            return report;
        }
        List<LayerFinding> layers = report.layers().stream()
                .map(l -> judgeableByOutputs(l, iterations) ? withinNoiseByItsOutputs(l) : l)
                .toList();
        return report.withLayers(layers, report.layerTolerance());
    }

    private static LayerFinding withinNoiseByItsOutputs(LayerFinding f) {
        return f.withVerdict(LayerStatus.WITHIN_NOISE, f.tolerance(), UpdatesNeeded.none());
    }

    /** Sets status and updates needed from the channels, tolerance and noise floors. */
    private static LayerFinding judged(LayerFinding f) {
        double tolerance = f.tolerance();
        LayerStatus status;
        UpdatesNeeded updates = UpdatesNeeded.none();
        if (!f.unmeasured().isEmpty()) {
            status = LayerStatus.UNSUPPORTED;
        } else if (!f.corruptedChannels().isEmpty()) {
            status = LayerStatus.CORRUPTED;
            updates = UpdatesNeeded.never("corrupted moving statistics");
        } else if (f.maxDivergence() <= tolerance) {
            status = LayerStatus.CONVERGED;
        } else if (f.varianceShift().isPresent()) {
            // matched to the training-time statistics, however wide the floor against inference's is
            status = LayerStatus.VARIANCE_SHIFT;
            updates = UpdatesNeeded.never("variance shift from training-only noise upstream");
        } else if (f.withinNoiseFloors()) {
            status = LayerStatus.WITHIN_NOISE;
        } else {
            status = LayerStatus.NOT_CONVERGED;
            updates = f.updateBlocker()
                    .map(UpdatesNeeded::never)
                    .orElseGet(() -> DivergenceMath.updatesNeeded(f.channels(), f.decay(), f.eps(), tolerance));
        }
        return f.withVerdict(status, tolerance, updates);
    }

    /** Why the probe data cannot measure the layer, if it cannot. */
    private static Optional<String> unmeasured(ChannelLayout layout, ChannelStatisticsAccumulator statistics) {
        if (!layout.isSupported()) {
            return Optional.of("input layout " + layout + ", which DL4J cannot normalize");
        }
        if (layout == ChannelLayout.DENSE && statistics.smallestBatchValues() == 1) {
            // one example: the batch variance is 0 and DL4J's training path normalizes everything to beta
            return Optional.of("dense input in probe batches of 1 example");
        }
        if (statistics.batches() > 0
                && java.util.stream.IntStream.range(0, statistics.channels())
                        .allMatch(c -> statistics.batchVariance(c) == 0)) {
            // nothing varies: identical examples (e.g. Nd4j.ones) say nothing about the statistics to expect
            return Optional.of("batch variance 0 in every channel: the probe examples are all alike (constant input?); "
                    + "probe with real, varied examples");
        }
        return Optional.empty();
    }

    /** The same report with every layer judged at another tolerance (no forward pass). */
    public static ConsistencyReport withLayerTolerance(ConsistencyReport report, double tolerance) {
        Tolerances.requireValid(tolerance, "layer tolerance");
        if (tolerance == report.layerTolerance()) {
            return report;
        }
        List<LayerFinding> layers =
                report.layers().stream().map(l -> withTolerance(l, tolerance)).toList();
        return judgedByOutputs(report.withLayers(layers, tolerance));
    }

    /**
     * Whether DL4J's gradient normalization rescales a BatchNormalization layer's moving-statistic updates so that
     * they stop following the moving average: the renormalizing modes scale them with the layer's other gradients
     * (seen here: a layer that converges in 100 iterations without it still diverges after 300 with
     * RenormalizeL2PerLayer). The clipping modes only slow large steps down.
     */
    public static boolean rescalesMovingStatisticUpdates(GradientNormalization normalization) {
        return normalization == GradientNormalization.RenormalizeL2PerLayer
                || normalization == GradientNormalization.RenormalizeL2PerParamType;
    }

    static Optional<String> updateBlocker(BatchNormSite site) {
        if (site.frozen()) {
            return Optional.of("frozen");
        }
        GradientNormalization normalization = site.config().getGradientNormalization();
        if (rescalesMovingStatisticUpdates(normalization)) {
            return Optional.of("gradient normalization " + normalization);
        }
        return Optional.empty();
    }
}
