package io.github.bnconsistency;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.internal.engine.ConvergenceProbe;
import io.github.bnconsistency.internal.engine.UpdateAudit;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.Numbers;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J training listener that watches the moving statistics catch up: every {@code frequency} iterations it
 * compares each BatchNormalization layer's moving statistics with the statistics of the batch being trained on,
 * using the activations the training forward pass already produced (no extra forward pass). Snapshots are
 * collected, and optionally reported as they come.
 *
 * <pre>{@code
 * BatchNormConvergenceListener watch = BatchNormConvergenceListener.every(10).reportingTo(System.out::println);
 * model.setListeners(watch);
 * model.fit(trainIterator, 5);
 * watch.snapshots().forEach(s -> System.out.println(s.iteration() + " " + s.maxDivergence()));
 * }</pre>
 *
 * The divergence is measured against one training batch at a time (with dropout applied, as DL4J's update sees
 * it), so it is noisier than a check over several probe batches; watch its trend.
 *
 * <p>At the same iterations it audits the update: after DL4J has applied the iteration's update, it reads each
 * layer's moving statistics once and checks that they moved as {@code new = decay*old + (1-decay)*batch} says for
 * that iteration's batch statistics (in either storage). Layers that did not follow, with the effective decay they
 * moved at, are in {@link Snapshot#updateDeviations()}: a frozen layer (effective decay 1), gradient normalization
 * applied to the moving-statistic updates, or a framework bug of the kind DL4J once had (updates divided by the batch
 * size, or {@code 1 - decay} taken for the decay). A snapshot is therefore recorded, and reported, when the iteration
 * is done. The listener reads the model only; it changes nothing, and draws no random numbers.
 */
public final class BatchNormConvergenceListener extends BaseTrainingListener {

    /**
     * One layer at one iteration, summarized (a snapshot keeps no per-channel arrays, so long runs stay small).
     *
     * @param name         the layer's name
     * @param divergence   its normalized divergence {@code D} (max over channels) against this batch
     * @param maxMeanShift the largest mean shift over channels, in batch standard deviations
     * @param status        the verdict at the listener's tolerance: {@code NOT_CONVERGED} when the layer was beyond its
     *                      noise floor in 2 of its last 3 snapshots (this one included; the first snapshot alone),
     *                      else this batch's own verdict
     *                      ({@code WITHIN_NOISE} for a lone outlying batch)
     * @param divergedAlone whether this snapshot's batch alone put the layer beyond its noise floor
     */
    public record LayerState(
            String name, double divergence, double maxMeanShift, LayerStatus status, boolean divergedAlone) {

        /**
         * A layer's state; {@code status} NOT_CONVERGED only when it was off in enough recent snapshots.
         *
         * @param name the layer's name (the vertex name in a ComputationGraph)
         * @param divergence the layer's normalized divergence {@code D}
         * @param maxMeanShift the largest channel mean shift, in batch standard deviations
         * @param status the layer's verdict
         */
        public LayerState(String name, double divergence, double maxMeanShift, LayerStatus status) {
            this(name, divergence, maxMeanShift, status, status == LayerStatus.NOT_CONVERGED);
        }
    }

    /**
     * A layer whose moving statistics did not move, over the snapshot's iteration, as its decay says
     * ({@code new = decay*old + (1-decay)*batch} for that iteration's batch statistics).
     *
     * @param layer          the layer's name
     * @param decay          its configured decay
     * @param effectiveDecay the decay its observed step corresponds to, {@code 1 - r(1-decay)} with {@code r} the
     *                       observed step over the expected one (1 for a layer that does not update)
     * @param notUpdating    whether its statistics did not move at all
     */
    public record UpdateDeviation(String layer, double decay, double effectiveDecay, boolean notUpdating) {

        /** E.g. {@code bn2 (effective decay 1 for 0.9: not updating)}. */
        @Override
        public String toString() {
            return layer + " (effective decay " + Numbers.number(effectiveDecay) + " for " + Numbers.number(decay)
                    + (notUpdating ? ": not updating" : "") + ")";
        }
    }

    /**
     * The layers' state at one iteration.
     *
     * @param iteration        the model's iteration count when the forward pass ran
     * @param epoch            the model's epoch count
     * @param layers           one state per BatchNormalization layer, in topological order
     * @param updateDeviations the layers whose moving statistics did not follow their decay over this iteration
     *                         (the update audit; empty when all followed, or when the iteration's update was not seen)
     */
    public record Snapshot(int iteration, int epoch, List<LayerState> layers, List<UpdateDeviation> updateDeviations) {
        /**
         * Copies the layer states and deviations, so the snapshot stays as it was taken.
         *
         * @param iteration        the model's iteration count when the forward pass ran
         * @param epoch            the model's epoch count
         * @param layers           one state per BatchNormalization layer, in topological order
         * @param updateDeviations the layers whose moving statistics did not follow their decay
         */
        public Snapshot {
            layers = List.copyOf(layers);
            updateDeviations = List.copyOf(updateDeviations);
        }

        /**
         * A snapshot without update deviations.
         *
         * @param iteration the model's iteration count when the forward pass ran
         * @param epoch     the model's epoch count
         * @param layers    one state per BatchNormalization layer, in topological order
         */
        public Snapshot(int iteration, int epoch, List<LayerState> layers) {
            this(iteration, epoch, layers, List.of());
        }

        /**
         * The largest layer divergence, 0 for a model without BatchNormalization layers.
         *
         * @return the largest divergence over the layers, 0 without BatchNormalization layers
         */
        public double maxDivergence() {
            return layers.stream()
                    .mapToDouble(LayerState::divergence)
                    .filter(d -> !Double.isNaN(d))
                    .max()
                    .orElse(0);
        }

        /**
         * Layers whose statistics are off at this iteration.
         *
         * @return the names of the layers whose statistics are off, in topological order
         */
        public List<String> divergingLayers() {
            return layers.stream()
                    .filter(l -> l.status() == LayerStatus.NOT_CONVERGED)
                    .map(LayerState::name)
                    .toList();
        }

        /** E.g. {@code iteration 40: 3 of 4 BatchNormalization layers off, max D 0.83 (bn4)}. */
        @Override
        public String toString() {
            String worst = layers.stream()
                    .filter(l -> !Double.isNaN(l.divergence()))
                    .max(Comparator.comparingDouble(LayerState::divergence))
                    .map(l -> " (" + l.name() + ")")
                    .orElse("");
            String deviations = updateDeviations.isEmpty()
                    ? ""
                    : "; moving statistics not following their decay: "
                            + String.join(
                                    ", ",
                                    updateDeviations.stream()
                                            .map(UpdateDeviation::toString)
                                            .toList());
            return "iteration " + iteration + ": " + divergingLayers().size() + " of " + layers.size()
                    + " BatchNormalization layers off, max D " + Numbers.number(maxDivergence()) + worst + deviations;
        }
    }

    private final int frequency;
    private final double layerTolerance;
    private final Consumer<Snapshot> reporter;
    private final List<Snapshot> snapshots = new ArrayList<>();
    private ConvergenceProbe probe;

    private BatchNormConvergenceListener(int frequency, double layerTolerance, Consumer<Snapshot> reporter) {
        if (frequency < 1) {
            throw new IllegalArgumentException(
                    "The frequency must be at least 1 iteration, but was " + frequency + ".");
        }
        Tolerances.requireValid(layerTolerance, "layer tolerance");
        this.frequency = frequency;
        this.layerTolerance = layerTolerance;
        this.reporter = reporter;
    }

    /**
     * A listener that takes a snapshot every {@code frequency} iterations.
     *
     * @param frequency iterations between two snapshots, at least 1
     * @return a new listener; register it with {@code model.addListeners(...)}
     */
    public static BatchNormConvergenceListener every(int frequency) {
        return new BatchNormConvergenceListener(frequency, InspectionOptions.DEFAULT_LAYER_TOLERANCE, s -> {});
    }

    /**
     * A new listener like this one that also hands each snapshot to {@code reporter} as it is taken, e.g.
     * {@code System.out::println} or {@code s -> log.info(s.toString())}. Register the listener it returns.
     *
     * @param reporter receives each snapshot as it is taken
     * @return a new listener; this one is left as it is
     */
    public BatchNormConvergenceListener reportingTo(Consumer<? super Snapshot> reporter) {
        if (reporter == null) {
            throw new IllegalArgumentException(
                    "The reporter is null: pass a consumer of snapshots, e.g. System.out::println.");
        }
        return new BatchNormConvergenceListener(frequency, layerTolerance, reporter::accept);
    }

    /**
     * A new listener like this one, judging layers at another tolerance. Register the listener it returns.
     *
     * @param tolerance the normalized divergence above which a layer counts as off, a positive finite number
     * @return a new listener; this one is left as it is
     */
    public BatchNormConvergenceListener withLayerTolerance(double tolerance) {
        return new BatchNormConvergenceListener(frequency, tolerance, reporter);
    }

    /**
     * The snapshots taken so far, oldest first.
     *
     * @return an unmodifiable copy of the snapshots taken so far, oldest first
     */
    public synchronized List<Snapshot> snapshots() {
        return List.copyOf(snapshots);
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        if (due(model)) {
            pend(model, probeFor(model).findings(activations));
        }
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        if (due(model)) {
            pend(model, probeFor(model).findings(activations));
        }
    }

    /**
     * After the iteration's update (DL4J calls this after the parameters changed, before it counts the iteration):
     * the update audit reads each layer's moving statistics once and compares them with what the decay says they
     * should be after this batch, then the snapshot is recorded and reported.
     */
    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        Pending pending;
        synchronized (this) {
            pending = this.pending.remove(model);
        }
        if (pending == null) {
            return;
        }
        if (pending.iteration() != iteration) {
            record(model, pending, List.of()); // not this iteration's forward pass: nothing to audit it against
            return;
        }
        List<UpdateDeviation> deviations = probeFor(model).audit(pending.findings()).stream()
                .filter(UpdateAudit.Result::deviates)
                .map(r -> new UpdateDeviation(r.layer(), r.decay(), r.effectiveDecay(), r.notUpdating()))
                .toList();
        record(model, pending, deviations);
    }

    /** A monitored iteration's findings, waiting for the update that follows the forward pass. */
    private record Pending(int iteration, int epoch, List<LayerFinding> findings) {}

    /** By model, for models that train in parallel threads. */
    private final Map<Model, Pending> pending = new java.util.IdentityHashMap<>();

    private void pend(Model model, List<LayerFinding> findings) {
        ConvergenceProbe probe = probeFor(model);
        Pending earlier;
        synchronized (this) {
            earlier = pending.put(model, new Pending(probe.iterationCount(), probe.epochCount(), findings));
        }
        if (earlier != null) {
            record(model, earlier, List.of()); // a forward pass that no update followed (not from fit)
        }
    }

    private boolean due(Model model) {
        return probeFor(model).iterationCount() % frequency == 0;
    }

    /** Synchronized: one listener may be registered on models that train in parallel threads. */
    private synchronized ConvergenceProbe probeFor(Model model) {
        if (probe == null || !probe.isFor(model)) {
            probe = new ConvergenceProbe(model, layerTolerance);
        }
        return probe;
    }

    /** Snapshots a layer must be beyond its noise floor in, of the last {@link #WINDOW}, to count as off. */
    static final int OFF_IN_WINDOW = 2;

    static final int WINDOW = 3;

    private void record(Model model, Pending pending, List<UpdateDeviation> deviations) {
        List<LayerFinding> findings = pending.findings();
        Snapshot snapshot;
        synchronized (this) {
            List<LayerState> layers = findings.stream()
                    .map(f -> new LayerState(
                            f.name(),
                            f.maxDivergence(),
                            f.maxMeanShift(),
                            windowed(f),
                            f.status() == LayerStatus.NOT_CONVERGED))
                    .toList();
            snapshot = new Snapshot(pending.iteration(), pending.epoch(), layers, deviations);
            snapshots.add(snapshot);
        }
        reporter.accept(snapshot);
    }

    /**
     * A snapshot judges one training batch, whose statistics stray from the moving average's by more than the
     * first-order noise floor now and then (one outlying example in a batch of 16 can make a ReLU channel's variance
     * many times the average): a layer counts as off only when it was beyond its noise floor in
     * {@value #OFF_IN_WINDOW} of its last {@value #WINDOW} snapshots, this one included (the first snapshot is judged
     * alone).
     */
    private LayerStatus windowed(LayerFinding finding) {
        if (finding.status() != LayerStatus.NOT_CONVERGED || snapshots.isEmpty()) {
            return finding.status(); // the first snapshot has nothing to weigh against: it is judged alone
        }
        long off = 1;
        for (int back = 1; back < WINDOW && back <= snapshots.size(); back++) {
            Snapshot earlier = snapshots.get(snapshots.size() - back);
            off += earlier.layers().stream()
                    .filter(l -> l.name().equals(finding.name()) && l.divergedAlone())
                    .count();
        }
        return off >= OFF_IN_WINDOW ? LayerStatus.NOT_CONVERGED : LayerStatus.WITHIN_NOISE;
    }
}
