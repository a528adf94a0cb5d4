package io.github.bnconsistency.report;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything one check found: per BatchNormalization layer, in topological order, and end to end. Immutable;
 * the assertions, the JUnit extension and the renderers all read it, none recomputes it.
 *
 * <pre>{@code
 * ConsistencyReport report = BatchNormInspector.inspect(model, validationData);
 * report.rootCause().ifPresent(layer -> System.out.println(layer.name() + " " + layer.updatesNeeded()));
 * System.out.println(TextReport.render(report));
 * }</pre>
 *
 * @param modelType      {@code MultiLayerNetwork} or {@code ComputationGraph}
 * @param dataType       the network's data type, e.g. {@code FLOAT}
 * @param probe          what data the check ran on
 * @param layerTolerance the per-layer divergence tolerance the layer verdicts used
 * @param layers         one finding per BatchNormalization layer, in topological order
 * @param output         the end-to-end comparison of the inference outputs with the reference outputs: those of
 *                       the model with every BatchNormalization layer normalizing with the target statistics of
 *                       training-size batches (see {@link Reference})
 * @param reference      what the outputs were compared with, the training batch size it used, and the raw
 *                       training-path comparison (batch noise included)
 * @param lint           reasons found in the configuration or the data why statistics cannot or will not converge
 * @param fixes          what to do, most direct first, each a complete alternative (e.g. {@code recalibrate the
 *                       moving statistics ...}); empty when nothing needs fixing
 * @param iterationCount the model's {@code fit()} iteration count when it was checked (DL4J's
 *                       {@code getIterationCount()}), or {@value #UNKNOWN_COUNT} when not known (a report built by
 *                       hand, or read from a document that does not say)
 * @param epochCount     the model's epoch count when it was checked (DL4J's {@code getEpochCount()}), or
 *                       {@value #UNKNOWN_COUNT} when not known
 * @param createdAt      when the check made this report (UTC, to the millisecond); empty for a report built by hand
 *                       or read from a document that does not say. The only part of a report that differs between
 *                       two checks of the same model on the same data: compare reports
 *                       {@link #withCreatedAt withCreatedAt} one instant to ignore it
 */
public record ConsistencyReport(
        String modelType,
        String dataType,
        ProbeSummary probe,
        double layerTolerance,
        List<LayerFinding> layers,
        OutputDivergence output,
        Reference reference,
        List<LintFinding> lint,
        List<String> fixes,
        int iterationCount,
        int epochCount,
        Optional<Instant> createdAt) {

    /** {@link #iterationCount()} and {@link #epochCount()} when the count is not known. */
    public static final int UNKNOWN_COUNT = -1;

    /**
     * Copies the lists, so the report is immutable.
     *
     * @param modelType      {@code MultiLayerNetwork} or {@code ComputationGraph}
     * @param dataType       the network's data type, e.g. {@code FLOAT}
     * @param probe          what data the check ran on
     * @param layerTolerance the per-layer divergence tolerance the layer verdicts used
     * @param layers         one finding per BatchNormalization layer, in topological order
     * @param output         the end-to-end comparison of the network outputs
     * @param reference      what the outputs were compared with, and at which training batch size
     * @param lint           reasons found in the configuration or the data why statistics cannot or will not converge
     * @param fixes          what to do, decided once with the diagnosis, in the order renderers print them
     * @param iterationCount the model's iteration count when checked, or {@value #UNKNOWN_COUNT} when not known
     * @param epochCount     the model's epoch count when checked, or {@value #UNKNOWN_COUNT} when not known
     * @param createdAt      when the check made this report; empty for a report built by hand
     */
    public ConsistencyReport {
        java.util.Objects.requireNonNull(reference, "reference");
        java.util.Objects.requireNonNull(createdAt, "createdAt");
        if (iterationCount < UNKNOWN_COUNT || epochCount < UNKNOWN_COUNT) {
            throw new IllegalArgumentException("Iteration and epoch counts are at least 0, or " + UNKNOWN_COUNT
                    + " when not known; got " + iterationCount + " and " + epochCount + ".");
        }
        layers = List.copyOf(layers);
        lint = List.copyOf(lint);
        fixes = List.copyOf(fixes);
    }

    /**
     * A report whose model counts and creation time are not known (e.g. one built by hand in a test).
     *
     * @param modelType      {@code MultiLayerNetwork} or {@code ComputationGraph}
     * @param dataType       the network's data type, e.g. {@code FLOAT}
     * @param probe          what data the check ran on
     * @param layerTolerance the per-layer divergence tolerance the layer verdicts used
     * @param layers         one finding per BatchNormalization layer, in topological order
     * @param output         the end-to-end comparison of the network outputs
     * @param reference      what the outputs were compared with, and at which training batch size
     * @param lint           reasons found in the configuration or the data why statistics cannot or will not converge
     * @param fixes          what to do, decided once with the diagnosis, in the order renderers print them
     */
    public ConsistencyReport(
            String modelType,
            String dataType,
            ProbeSummary probe,
            double layerTolerance,
            List<LayerFinding> layers,
            OutputDivergence output,
            Reference reference,
            List<LintFinding> lint,
            List<String> fixes) {
        this(
                modelType,
                dataType,
                probe,
                layerTolerance,
                layers,
                output,
                reference,
                lint,
                fixes,
                UNKNOWN_COUNT,
                UNKNOWN_COUNT,
                Optional.empty());
    }

    /**
     * This report with other layer findings (e.g. judged at another tolerance).
     *
     * @param newLayers the layer findings, in topological order
     * @param newLayerTolerance the per-layer tolerance they were judged at
     * @return a copy of this report with those layers
     */
    public ConsistencyReport withLayers(List<LayerFinding> newLayers, double newLayerTolerance) {
        return new ConsistencyReport(
                modelType,
                dataType,
                probe,
                newLayerTolerance,
                newLayers,
                output,
                reference,
                lint,
                fixes,
                iterationCount,
                epochCount,
                createdAt);
    }

    /**
     * This report with other lint findings.
     *
     * @param newLint the lint findings
     * @return a copy of this report with those lint findings
     */
    public ConsistencyReport withLint(List<LintFinding> newLint) {
        return new ConsistencyReport(
                modelType,
                dataType,
                probe,
                layerTolerance,
                layers,
                output,
                reference,
                newLint,
                fixes,
                iterationCount,
                epochCount,
                createdAt);
    }

    /**
     * This report with other fixes.
     *
     * @param newFixes the fixes
     * @return a copy of this report with those fixes
     */
    public ConsistencyReport withFixes(List<String> newFixes) {
        return new ConsistencyReport(
                modelType,
                dataType,
                probe,
                layerTolerance,
                layers,
                output,
                reference,
                lint,
                newFixes,
                iterationCount,
                epochCount,
                createdAt);
    }

    /**
     * This report with the model's iteration and epoch counts ({@value #UNKNOWN_COUNT}: not known).
     *
     * @param newIterationCount the model's iteration count
     * @param newEpochCount     the model's epoch count
     * @return a copy of this report with them
     */
    public ConsistencyReport withModelCounts(int newIterationCount, int newEpochCount) {
        return new ConsistencyReport(
                modelType,
                dataType,
                probe,
                layerTolerance,
                layers,
                output,
                reference,
                lint,
                fixes,
                newIterationCount,
                newEpochCount,
                createdAt);
    }

    /**
     * This report made at another instant (kept to the millisecond, as the JSON report writes it), e.g. a fixed one
     * so that two checks compare equal, or render to the same JSON, regardless of when they ran.
     *
     * @param instant when the report counts as made
     * @return a copy of this report with that time
     */
    public ConsistencyReport withCreatedAt(Instant instant) {
        return new ConsistencyReport(
                modelType,
                dataType,
                probe,
                layerTolerance,
                layers,
                output,
                reference,
                lint,
                fixes,
                iterationCount,
                epochCount,
                Optional.of(instant.truncatedTo(java.time.temporal.ChronoUnit.MILLIS)));
    }

    /**
     * The fixes as the report's {@code Fix:} line words them: the alternatives joined by {@code ", or "}, ending in
     * a full stop; empty when nothing needs fixing.
     *
     * @return the Fix line's text
     */
    public String fixText() {
        return fixes.isEmpty() ? "" : String.join(", or ", fixes) + ".";
    }

    /**
     * Whether the model has any BatchNormalization layer.
     *
     * @return true when there is at least one
     */
    public boolean hasBatchNormLayers() {
        return !layers.isEmpty();
    }

    /**
     * The layer of that name, if it is a BatchNormalization layer of the model.
     *
     * @param name the layer's name (the vertex name in a ComputationGraph)
     * @return the layer's finding, or empty
     */
    public Optional<LayerFinding> layer(String name) {
        return layers.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /**
     * Layers whose own moving statistics are off, in topological order.
     *
     * @return the diverging layers, empty when none
     */
    public List<LayerFinding> divergingLayers() {
        return layers.stream().filter(LayerFinding::isDiverging).toList();
    }

    /**
     * The first layer, in topological order, whose own moving statistics are off and that normalizes
     * differently in training than at inference (so not a frozen one): every later layer inherits its drift.
     *
     * @return the root-cause layer, or empty when no layer is
     */
    public Optional<LayerFinding> rootCause() {
        return layers.stream().filter(l -> l.isDiverging() && !l.frozen()).findFirst();
    }

    /**
     * Names of all BatchNormalization layers, in topological order.
     *
     * @return the layer names
     */
    public List<String> layerNames() {
        return layers.stream().map(LayerFinding::name).toList();
    }
}
