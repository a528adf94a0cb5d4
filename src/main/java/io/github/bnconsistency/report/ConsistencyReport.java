package io.github.bnconsistency.report;

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
        List<String> fixes) {

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
     */
    public ConsistencyReport {
        java.util.Objects.requireNonNull(reference, "reference");
        layers = List.copyOf(layers);
        lint = List.copyOf(lint);
        fixes = List.copyOf(fixes);
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
                modelType, dataType, probe, newLayerTolerance, newLayers, output, reference, lint, fixes);
    }

    /**
     * This report with other lint findings.
     *
     * @param newLint the lint findings
     * @return a copy of this report with those lint findings
     */
    public ConsistencyReport withLint(List<LintFinding> newLint) {
        return new ConsistencyReport(
                modelType, dataType, probe, layerTolerance, layers, output, reference, newLint, fixes);
    }

    /**
     * This report with other fixes.
     *
     * @param newFixes the fixes
     * @return a copy of this report with those fixes
     */
    public ConsistencyReport withFixes(List<String> newFixes) {
        return new ConsistencyReport(
                modelType, dataType, probe, layerTolerance, layers, output, reference, lint, newFixes);
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
