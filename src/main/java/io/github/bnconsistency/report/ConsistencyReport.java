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
 * @param output         the end-to-end comparison of the network outputs
 * @param lint           reasons found in the configuration or the data why statistics cannot or will not converge
 */
public record ConsistencyReport(
        String modelType,
        String dataType,
        ProbeSummary probe,
        double layerTolerance,
        List<LayerFinding> layers,
        OutputDivergence output,
        List<LintFinding> lint) {

    public ConsistencyReport {
        layers = List.copyOf(layers);
        lint = List.copyOf(lint);
    }

    /** Whether the model has any BatchNormalization layer. */
    public boolean hasBatchNormLayers() {
        return !layers.isEmpty();
    }

    /** The layer of that name, if it is a BatchNormalization layer of the model. */
    public Optional<LayerFinding> layer(String name) {
        return layers.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** Layers whose own moving statistics are off, in topological order. */
    public List<LayerFinding> divergingLayers() {
        return layers.stream().filter(LayerFinding::isDiverging).toList();
    }

    /**
     * The first layer, in topological order, whose own moving statistics are off and that normalizes
     * differently in training than at inference (so not a frozen one): every later layer inherits its drift.
     */
    public Optional<LayerFinding> rootCause() {
        return layers.stream().filter(l -> l.isDiverging() && !l.frozen()).findFirst();
    }

    /** Names of all BatchNormalization layers, in topological order. */
    public List<String> layerNames() {
        return layers.stream().map(LayerFinding::name).toList();
    }
}
