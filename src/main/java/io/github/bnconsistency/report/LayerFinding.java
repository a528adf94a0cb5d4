package io.github.bnconsistency.report;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the check found for one BatchNormalization layer. Per-channel numbers are in {@link #channels()};
 * the accessors below summarize them (layer divergence {@code D_l = max_c delta_c}, and so on).
 *
 * @param name           the layer's name (the vertex name in a ComputationGraph)
 * @param position       1-based position among the model's BatchNormalization layers, in topological order
 * @param location       where the layer sits, e.g. {@code layer index 3} or {@code vertex 'bn2a_branch2a'}
 * @param decay          the layer's decay (Keras momentum): {@code moving = decay*moving + (1-decay)*batch}
 * @param eps            the layer's epsilon
 * @param storage        how the moving variance is stored
 * @param layout         the channel layout of the layer's input, as seen on the probe data
 * @param unmeasured     why the probe data cannot measure this layer (a layout DL4J cannot normalize, dense input in
 *                       batches of one example), empty when it can; such a layer is {@link LayerStatus#UNSUPPORTED}
 * @param frozen         wrapped in FrozenLayer or FrozenLayerWithBackprop: never updates its statistics,
 *                       and normalizes with them in training as well
 * @param updateBlocker  why training can never move the statistics toward the data ({@code frozen},
 *                       {@code gradient normalization ...}), empty when it can
 * @param channels       per-channel findings (empty when the layout is unsupported)
 * @param status         the verdict at {@link #tolerance()}
 * @param tolerance      the per-layer divergence tolerance the verdict used
 * @param updatesNeeded  further iterations needed to get within tolerance at this decay
 * @param noiseFloor     the largest channel noise floor: how far the divergence typically strays through
 *                       mini-batch sampling alone (0 with a single probe batch)
 * @param varianceShift  for a {@link LayerStatus#VARIANCE_SHIFT}: the stochastic layers upstream and how far the
 *                       training-time statistics differ from inference's; empty otherwise
 */
public record LayerFinding(
        String name,
        int position,
        String location,
        double decay,
        double eps,
        StatisticsStorage storage,
        ChannelLayout layout,
        Optional<String> unmeasured,
        boolean frozen,
        Optional<String> updateBlocker,
        List<ChannelFinding> channels,
        LayerStatus status,
        double tolerance,
        UpdatesNeeded updatesNeeded,
        double noiseFloor,
        Optional<VarianceShift> varianceShift) {

    /**
     * Copies the channel list, so the finding is immutable.
     *
     * @param name          the layer's name (the vertex name in a ComputationGraph)
     * @param position      1-based position among the model's BatchNormalization layers, in topological order
     * @param location      where the layer sits, e.g. {@code layer index 3} or {@code vertex 'bn2a_branch2a'}
     * @param decay         the layer's decay (Keras momentum): {@code moving = decay*moving + (1-decay)*batch}
     * @param eps           the layer's epsilon
     * @param storage       how the moving variance is stored
     * @param layout        the channel layout of the layer's input, as seen on the probe data
     * @param unmeasured    why the probe data cannot measure this layer (a layout DL4J cannot normalize, dense input in
     *                      batches of one example), or empty when it can; such a layer is {@link
     *                      LayerStatus#UNSUPPORTED}
     * @param frozen        wrapped in FrozenLayer or FrozenLayerWithBackprop: never updates its statistics, and
     *                      normalizes with them in training as well
     * @param updateBlocker why training can never move the statistics toward the data ({@code frozen}, {@code gradient
     *                      normalization ...}), or empty when it can
     * @param channels      per-channel findings (empty when the layout is unsupported)
     * @param status        the verdict at {@link #tolerance()}
     * @param tolerance     the per-layer divergence tolerance the verdict used
     * @param updatesNeeded further iterations needed to get within tolerance at this decay
     * @param noiseFloor    the largest channel noise floor: how far the divergence typically strays through mini-batch
     *                      sampling alone (0 with a single probe batch)
     * @param varianceShift for a {@link LayerStatus#VARIANCE_SHIFT}: what shifts the variance; empty otherwise
     */
    public LayerFinding {
        Objects.requireNonNull(unmeasured, "unmeasured (Optional.empty() when measured)");
        Objects.requireNonNull(updateBlocker, "updateBlocker (Optional.empty() when none)");
        Objects.requireNonNull(varianceShift, "varianceShift (Optional.empty() when none)");
        channels = List.copyOf(channels);
    }

    /**
     * A finding without a variance shift (the form before {@link #varianceShift()} existed).
     *
     * @param name          the layer's name (the vertex name in a ComputationGraph)
     * @param position      1-based position among the model's BatchNormalization layers, in topological order
     * @param location      where the layer sits, e.g. {@code layer index 3} or {@code vertex 'bn2a_branch2a'}
     * @param decay         the layer's decay (Keras momentum)
     * @param eps           the layer's epsilon
     * @param storage       how the moving variance is stored
     * @param layout        the channel layout of the layer's input, as seen on the probe data
     * @param unmeasured    why the probe data cannot measure this layer, or empty when it can
     * @param frozen        wrapped in FrozenLayer or FrozenLayerWithBackprop
     * @param updateBlocker why training can never move the statistics toward the data, or empty when it can
     * @param channels      per-channel findings (empty when the layout is unsupported)
     * @param status        the verdict at {@link #tolerance()}
     * @param tolerance     the per-layer divergence tolerance the verdict used
     * @param updatesNeeded further iterations needed to get within tolerance at this decay
     * @param noiseFloor    the largest channel noise floor
     */
    public LayerFinding(
            String name,
            int position,
            String location,
            double decay,
            double eps,
            StatisticsStorage storage,
            ChannelLayout layout,
            Optional<String> unmeasured,
            boolean frozen,
            Optional<String> updateBlocker,
            List<ChannelFinding> channels,
            LayerStatus status,
            double tolerance,
            UpdatesNeeded updatesNeeded,
            double noiseFloor) {
        this(
                name,
                position,
                location,
                decay,
                eps,
                storage,
                layout,
                unmeasured,
                frozen,
                updateBlocker,
                channels,
                status,
                tolerance,
                updatesNeeded,
                noiseFloor,
                Optional.empty());
    }

    /**
     * This finding with other per-channel numbers (e.g. against newly written moving statistics).
     *
     * @param newChannels the channel findings
     * @return a copy of this finding with those channels
     */
    public LayerFinding withChannels(List<ChannelFinding> newChannels) {
        return copy(newChannels, status, tolerance, updatesNeeded, varianceShift);
    }

    /**
     * This finding with another verdict: its status, the tolerance it used and the updates still needed.
     *
     * @param newStatus the layer's verdict
     * @param newTolerance the per-layer tolerance the verdict used
     * @param newUpdatesNeeded how many more iterations the layer needs
     * @return a copy of this finding with that verdict
     */
    public LayerFinding withVerdict(LayerStatus newStatus, double newTolerance, UpdatesNeeded newUpdatesNeeded) {
        return copy(channels, newStatus, newTolerance, newUpdatesNeeded, varianceShift);
    }

    /**
     * This finding with a variance shift found or dropped; its status and updates needed are set by the caller.
     *
     * @param shift the variance shift, or empty
     * @return a copy of this finding with that variance shift
     */
    public LayerFinding withVarianceShift(Optional<VarianceShift> shift) {
        return copy(channels, status, tolerance, updatesNeeded, shift);
    }

    /** This finding with the parts the withers change; the layer's identity and configuration stay. */
    private LayerFinding copy(
            List<ChannelFinding> newChannels,
            LayerStatus newStatus,
            double newTolerance,
            UpdatesNeeded newUpdatesNeeded,
            Optional<VarianceShift> newShift) {
        return new LayerFinding(
                name,
                position,
                location,
                decay,
                eps,
                storage,
                layout,
                unmeasured,
                frozen,
                updateBlocker,
                newChannels,
                newStatus,
                newTolerance,
                newUpdatesNeeded,
                noiseFloor,
                newShift);
    }

    /**
     * Number of channels.
     *
     * @return the number of channels
     */
    public int channelCount() {
        return channels.size();
    }

    /**
     * {@code D_l}: the largest normalized divergence over channels (NaN when nothing was measured).
     *
     * @return the largest normalized divergence, or NaN
     */
    public double maxDivergence() {
        return channels.stream().mapToDouble(ChannelFinding::divergence).max().orElse(Double.NaN);
    }

    /**
     * The mean normalized divergence over channels.
     *
     * @return the mean normalized divergence
     */
    public double meanDivergence() {
        return channels.stream()
                .mapToDouble(ChannelFinding::divergence)
                .average()
                .orElse(Double.NaN);
    }

    /**
     * Whether every channel is within {@link #tolerance()} or within its sampling noise: its divergence at most
     * the two-sided normal quantile at 1% / channels (Bonferroni over the layer's channels) times its noise floor
     * (a channel whose every value was alike in the probe, variance 0, such as a ReLU unit silent in one batch, says
     * nothing against the moving statistics and counts as within). What makes a layer {@link LayerStatus#WITHIN_NOISE}
     * by its statistics.
     *
     * @return whether the statistics alone put the layer within tolerance or noise
     */
    public boolean withinNoiseFloors() {
        return everyChannelWithin(true);
    }

    /**
     * Whether the layer's gap is one that sampling noise makes, whatever the tolerance: at least one channel measured,
     * none corrupted, no variance shift, and every channel within its noise floors as in {@link #withinNoiseFloors()}
     * but none passed for being within the tolerance (a channel whose every value was alike in the probe, such as a
     * ReLU unit silent in one batch, says nothing against the moving statistics and counts as within, as there: seen
     * in most one-batch probes of 16 of a small dense model, whose other batches light the unit). The output
     * difference such gaps cause is noise too (see {@link Reference#withinStatisticsNoise()}).
     *
     * @return whether the statistics of every channel are within their sampling noise
     */
    public boolean everyChannelWithinNoise() {
        if (!unmeasured.isEmpty()
                || channels.isEmpty()
                || varianceShift.isPresent()
                || !corruptedChannels().isEmpty()) {
            return false;
        }
        return everyChannelWithin(false);
    }

    /**
     * Whether every channel is within its noise floors, says nothing (every value alike in the probe), or, when
     * {@code orTolerance}, is within {@link #tolerance()}: the one loop of {@link #withinNoiseFloors()} and
     * {@link #everyChannelWithinNoise()}.
     */
    private boolean everyChannelWithin(boolean orTolerance) {
        double threshold = io.github.bnconsistency.internal.NoiseThreshold.forChannels(channelCount());
        for (ChannelFinding c : channels) {
            boolean withinTolerance = orTolerance && c.divergence() <= tolerance;
            boolean withinNoise = c.noiseFloor() > 0 && c.divergence() <= threshold * c.noiseFloor();
            boolean uninformative = c.batchVariance() == 0 && c.batchMeanSpread() == 0;
            if (!withinTolerance && !withinNoise && !uninformative) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the layer is {@link LayerStatus#WITHIN_NOISE} by its effect on the outputs, not by its statistics: its
     * gap is beyond the statistics' noise floors ({@link #withinNoiseFloors()} is false), yet the inference outputs
     * stray from the reference no further than the measured output noise, by every measure (see
     * {@link ConsistencyReport#reference()} and {@link OutputNoise}). The report says which of the two it is.
     *
     * @return whether the outputs, not the statistics, put the layer within noise
     */
    public boolean withinNoiseByOutputs() {
        return status == LayerStatus.WITHIN_NOISE && !(maxDivergence() <= tolerance) && !withinNoiseFloors();
    }

    /**
     * How many channels exceed {@link #tolerance()}.
     *
     * @return the number of channels over the tolerance
     */
    public int channelsOff() {
        return (int)
                channels.stream().filter(c -> !(c.divergence() <= tolerance)).count();
    }

    /**
     * The channel with the largest divergence, or null when nothing was measured.
     *
     * @return the worst channel, or null
     */
    public ChannelFinding worstChannel() {
        return channels.stream()
                .max(Comparator.comparingDouble(ChannelFinding::divergence))
                .orElse(null);
    }

    /**
     * The largest mean shift over channels, in batch standard deviations.
     *
     * @return the largest mean shift, in batch standard deviations
     */
    public double maxMeanShift() {
        return channels.stream().mapToDouble(ChannelFinding::meanShift).max().orElse(Double.NaN);
    }

    /**
     * The smallest variance ratio {@code (v_M + eps) / (v* + eps)} over channels.
     *
     * @return the smallest variance ratio
     */
    public double minVarianceRatio() {
        return channels.stream()
                .mapToDouble(ChannelFinding::varianceRatio)
                .min()
                .orElse(Double.NaN);
    }

    /**
     * The largest variance ratio {@code (v_M + eps) / (v* + eps)} over channels.
     *
     * @return the largest variance ratio
     */
    public double maxVarianceRatio() {
        return channels.stream()
                .mapToDouble(ChannelFinding::varianceRatio)
                .max()
                .orElse(Double.NaN);
    }

    /**
     * The largest inference input drift over channels: how differently this layer's input arrives at inference
     * than in training, because earlier layers normalize differently. 0 for a layer with no diverging layer
     * upstream.
     *
     * @return the largest inference input drift, in batch standard deviations
     */
    public double maxInferenceInputDrift() {
        return channels.stream()
                .mapToDouble(ChannelFinding::inferenceInputDrift)
                .max()
                .orElse(Double.NaN);
    }

    /**
     * Whether this layer's own moving statistics are off for inference (status {@link LayerStatus#NOT_CONVERGED},
     * {@link LayerStatus#VARIANCE_SHIFT} or {@link LayerStatus#CORRUPTED}); a layer within its sampling noise is not.
     *
     * @return true when the layer's own statistics are off
     */
    public boolean isDiverging() {
        return status == LayerStatus.NOT_CONVERGED
                || status == LayerStatus.VARIANCE_SHIFT
                || status == LayerStatus.CORRUPTED;
    }

    /**
     * Channels whose stored moving statistics are unusable: NaN or infinite, or a negative variance.
     *
     * @return the corrupted channels' indices, empty when none
     */
    public List<Integer> corruptedChannels() {
        return channels.stream()
                .filter(c -> !Double.isFinite(c.movingMean())
                        || !Double.isFinite(c.movingVariance())
                        || c.movingVariance() < 0)
                .map(ChannelFinding::channel)
                .toList();
    }
}
