package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.Reference.BatchSizeEstimate;
import io.github.bnconsistency.report.Reference.BatchSizeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The training batch size a check judges at: given, or else the probe's batch size; and, for the report, the batch
 * size the moving variances of the first BatchNormalization layer point to.
 *
 * <p>Each channel's moving variance {@code v_M} gives a batch size through {@code E[v_n] = W + (1 - 1/n) S^2}:
 * {@code n = S^2 / (S^2 - (v_M - W))} (infinite when {@code v_M >= W + S^2}, 1 when {@code v_M < W}). The median
 * over channels is the estimate; the order statistics at ranks {@code C/2 -+ 1.96 sqrt(C)/2} bound it at about 95%.
 * The estimate is not used to judge: on models trained in shuffled mini-batches it came out biased low (e.g.
 * 4-16 for batches of 16, the moving variances some 10% below the training batches' average while the weights had
 * settled), and since {@code n} enters as {@code 1 - 1/n}, small biases move it far. The report shows it, and says
 * when it rules out the probe's batch size, so that the user can pass the training batch size.
 *
 * @param size     the batch size to judge at
 * @param source   where it came from
 * @param estimate the estimate, when the data gave one
 */
record BatchSizeDecision(long size, BatchSizeSource source, Optional<BatchSizeEstimate> estimate) {

    /** Fewer channels than this cannot bound a median. */
    private static final int MIN_CHANNELS = 4;

    static BatchSizeDecision decide(int given, Measurement measurement, long probeBatchSize) {
        Optional<BatchSizeEstimate> estimate = estimate(measurement);
        if (given > 0) {
            return new BatchSizeDecision(given, BatchSizeSource.GIVEN, estimate);
        }
        return new BatchSizeDecision(Math.max(2, probeBatchSize), BatchSizeSource.PROBE_BATCH_SIZE, estimate);
    }

    /**
     * This decision, or the batch size the moving variances fit (median, then upper, then lower bound of the estimate,
     * rounded, at least 2) when every layer is within tolerance or noise there, the probe's batch size was taken,
     * the estimate's interval lies below it, and either some layer is off at the probe's size or the probe is one
     * batch over twice the interval's top (a whole validation set as one DataSet: its size says nothing of
     * training's). The moving statistics then fit training at that size: "train longer" would be wrong advice, and
     * a reference at the probe's size the wrong reference.
     *
     * <p>When the estimate cannot rule the probe's size out, see {@link #fittingSmaller}: only when every layer off
     * at the probe's size is past its warm-up ({@link #pastWarmUp}).
     *
     * @param oneProbeBatch whether the probe came as one batch
     * @param judgeAt       the layer findings at a batch size
     * @param iterations    the model's iteration count (-1 when unknown: counted as none)
     */
    BatchSizeDecision orFittingEstimate(
            List<LayerFinding> atThisSize,
            boolean oneProbeBatch,
            LongFunction<List<LayerFinding>> judgeAt,
            int iterations) {
        if (source != BatchSizeSource.PROBE_BATCH_SIZE || estimate.isEmpty()) {
            return this;
        }
        BatchSizeEstimate e = estimate.get();
        if (!Double.isFinite(e.high()) || e.high() >= size) {
            // the data cannot tell, or does not rule out the probe's batch size
            return e.low() < size && !allWithinNoise(atThisSize) && pastWarmUp(atThisSize, iterations)
                    ? fittingSmaller(judgeAt)
                    : this;
        }
        boolean wholeSetAsOneBatch = oneProbeBatch && 2 * e.high() < size;
        if (allWithinNoise(atThisSize) && !wholeSetAsOneBatch) {
            return this;
        }
        for (double candidate : new double[] {e.median(), e.high(), e.low()}) {
            if (!Double.isFinite(candidate)) {
                continue;
            }
            long n = Math.max(2, Math.round(candidate));
            if (n < size && allWithinNoise(judgeAt.apply(n))) {
                return new BatchSizeDecision(n, BatchSizeSource.ESTIMATED, estimate);
            }
        }
        return this;
    }

    /**
     * This decision, or the largest of half, a quarter, ... of the probe's batch size (down to {@link
     * io.github.bnconsistency.report.Reference#SMALLEST_FITTING_BATCH_SIZE}) at which every layer is within
     * tolerance or noise ({@link BatchSizeSource#FITS_SMALLER}): the moving variances cannot tell the batch size, and
     * a smaller one fits where the probe's does not, so "train longer" would be the wrong advice for a model trained
     * at that size. The largest fitting size judges most sharply (the narrowest noise floors).
     */
    private BatchSizeDecision fittingSmaller(LongFunction<List<LayerFinding>> judgeAt) {
        for (long n = size / 2; n >= io.github.bnconsistency.report.Reference.SMALLEST_FITTING_BATCH_SIZE; n /= 2) {
            if (allWithinNoise(judgeAt.apply(n))) {
                return new BatchSizeDecision(n, BatchSizeSource.FITS_SMALLER, estimate);
            }
        }
        return this;
    }

    /**
     * Whether every layer off at the probe's size is past its warm-up and updates freely
     * ({@link LayerVerdicts#judgeableByOutputs}: its moving average weighs its initial values at most the tolerance,
     * nothing blocks its updates): only then may a smaller batch size explain its gap. A moving average still
     * forgetting its initial values, a frozen layer or one under gradient normalization is off for its own reason,
     * which its verdict names ("train longer", "never"); a smaller size must not hide it.
     */
    private static boolean pastWarmUp(List<LayerFinding> atThisSize, int iterations) {
        return atThisSize.stream()
                .allMatch(f -> withinNoise(f) || LayerVerdicts.convergedOrJudgeableByOutputs(f, iterations));
    }

    private static boolean allWithinNoise(List<LayerFinding> findings) {
        return findings.stream().allMatch(BatchSizeDecision::withinNoise);
    }

    /** Within tolerance or noise, or not measured (which no batch size changes). */
    private static boolean withinNoise(LayerFinding f) {
        return f.status().isConverged() || f.status() == LayerStatus.UNSUPPORTED;
    }

    /** From the first measured layer that updates its statistics (a frozen one says nothing of training). */
    static Optional<BatchSizeEstimate> estimate(Measurement m) {
        for (int s = 0; s < m.sites().size(); s++) {
            BatchNormSite site = m.sites().get(s);
            ExampleStatistics examples = m.examples().get(s);
            if (site.frozen() || !m.layouts().get(s).isSupported() || examples.examples() < 2) {
                continue;
            }
            double[] moving = site.movingVariance();
            List<Double> sizes = new ArrayList<>();
            for (int c = 0; c < examples.channels(); c++) {
                double s2 = examples.betweenVariance(c);
                if (!(s2 > 0) || !Double.isFinite(moving[c])) {
                    continue;
                }
                double excess = moving[c] - examples.withinVariance(c);
                sizes.add(excess < 0 ? 1 : excess >= s2 ? Double.POSITIVE_INFINITY : s2 / (s2 - excess));
            }
            if (sizes.size() < MIN_CHANNELS) {
                return Optional.empty();
            }
            sizes.sort(null);
            int count = sizes.size();
            double halfWidth = 1.96 * Math.sqrt(count) / 2;
            int low = (int) Math.max(0, Math.floor(count / 2.0 - halfWidth));
            int high = (int) Math.min(count - 1, Math.ceil(count / 2.0 + halfWidth) - 1);
            double median =
                    count % 2 == 1 ? sizes.get(count / 2) : (sizes.get(count / 2 - 1) + sizes.get(count / 2)) / 2;
            return Optional.of(new BatchSizeEstimate(site.name(), sizes.get(low), median, sizes.get(high), count));
        }
        return Optional.empty();
    }
}
