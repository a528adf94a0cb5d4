package io.github.bnconsistency.internal.engine;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

final class ComputationGraphAdapter extends ModelAdapter {

    private final ComputationGraph model;
    private final List<BatchNormSite> sites = new ArrayList<>();
    // by identity: a site record hashes its mutable DL4J configuration, which training may change
    private final Map<BatchNormSite, String> inputVertex = new IdentityHashMap<>();
    private final boolean keepNoise;
    /** The engine's own copy of {@link #model} with its sites tapped, made for a check; or {@link #model} itself. */
    private Tapped tapped;
    /** What {@link #tapped} was built from, when it is a kept copy (see {@link TappedCopies}), else null. */
    private TappedCopies.Fingerprint tappedFrom;

    private static final TappedCopies<Tapped> COPIES = new TappedCopies<>();

    private final boolean ownCopy;
    private INDArray[] savedInputs;

    /** A graph the passes run on, with a tap on each BatchNormalization layer, and the taps' board. */
    private record Tapped(ComputationGraph graph, SiteTap.Board board) {}

    ComputationGraphAdapter(ComputationGraph model) {
        this(model, false, null);
    }

    /** @param own the engine's own tapped copy, which {@code model} is; null for a model of the user's */
    private ComputationGraphAdapter(ComputationGraph model, boolean keepNoise, Tapped own) {
        this.model = model;
        this.keepNoise = keepNoise;
        this.tapped = own;
        this.ownCopy = own != null;
        GraphVertex[] vertices = model.getVertices();
        if (vertices == null) {
            throw new IllegalArgumentException("The ComputationGraph is not initialized: call graph.init() "
                    + "(or load a trained model) before checking it.");
        }
        Map<String, List<String>> vertexInputs = model.getConfiguration().getVertexInputs();
        for (int index : model.topologicalSortOrder()) {
            GraphVertex vertex = vertices[index];
            if (!vertex.hasLayer()) {
                continue;
            }
            Layer layer = vertex.getLayer();
            BatchNormalization bn = batchNormInside(layer);
            if (bn != null) {
                String name = vertex.getVertexName();
                BatchNormSite site = new BatchNormSite(
                        name,
                        sites.size() + 1,
                        "vertex '" + name + "'",
                        (org.deeplearning4j.nn.conf.layers.BatchNormalization)
                                bn.conf().getLayer(),
                        bn,
                        isFrozen(layer));
                sites.add(site);
                inputVertex.put(site, vertexInputs.get(name).get(0));
            }
        }
    }

    @Override
    String modelType() {
        return "ComputationGraph";
    }

    @Override
    DataType dataType() {
        return model.getConfiguration().getDataType();
    }

    @Override
    int iterationCount() {
        return model.getIterationCount();
    }

    @Override
    int epochCount() {
        return model.getEpochCount();
    }

    @Override
    Model copy() {
        ComputationGraph copy = model.clone();
        copy.getConfiguration().setIterationCount(model.getIterationCount());
        copy.getConfiguration().setEpochCount(model.getEpochCount());
        return copy;
    }

    @Override
    ModelAdapter sharedCopy() {
        Tapped copy = tappedCopy(model, model.params(), false);
        return new ComputationGraphAdapter(copy.graph(), false, copy);
    }

    @Override
    ModelAdapter doubleCopy() {
        ComputationGraph inDouble = model.convertDataType(DataType.DOUBLE);
        Tapped copy = tappedCopy(inDouble, inDouble.params(), false);
        return new ComputationGraphAdapter(copy.graph(), false, copy);
    }

    @Override
    ModelAdapter withTrainingNoise() {
        return new ComputationGraphAdapter(model, true, null);
    }

    /**
     * The layer vertices upstream of the site (the site included) with training-only noise: those up to the previous
     * BatchNormalization layers if any, else all upstream.
     */
    @Override
    List<String> noiseUpstream(BatchNormSite site) {
        Map<String, List<String>> inputs = model.getConfiguration().getVertexInputs();
        Set<String> siteNames = new HashSet<>();
        sites.forEach(s -> siteNames.add(s.name()));
        Set<String> segment = new java.util.LinkedHashSet<>();
        Set<String> all = new java.util.LinkedHashSet<>();
        Map<String, Boolean> visited = new java.util.HashMap<>(); // vertex -> reached within the segment
        java.util.ArrayDeque<Map.Entry<String, Boolean>> pending = new java.util.ArrayDeque<>();
        pending.add(Map.entry(site.name(), true));
        while (!pending.isEmpty()) {
            Map.Entry<String, Boolean> next = pending.poll();
            String name = next.getKey();
            boolean inSegment = next.getValue();
            Boolean before = visited.get(name);
            if (before != null && (before || !inSegment)) {
                continue;
            }
            visited.put(name, inSegment);
            GraphVertex vertex = model.getVertex(name);
            if (vertex != null && vertex.hasLayer() && vertex.getLayer().conf() != null) {
                org.deeplearning4j.nn.conf.layers.Layer conf =
                        vertex.getLayer().conf().getLayer();
                LayerConfigurations.effectiveNoise(conf).ifPresent(noise -> {
                    String described = name + " (" + conf.getClass().getSimpleName() + ": " + noise + ")";
                    all.add(described);
                    if (inSegment) {
                        segment.add(described);
                    }
                });
            }
            for (String input : inputs.getOrDefault(name, List.of())) {
                pending.add(Map.entry(input, inSegment && !siteNames.contains(input)));
            }
        }
        return List.copyOf(segment.isEmpty() ? all : segment);
    }

    @Override
    int inputCount() {
        return model.getNumInputArrays();
    }

    @Override
    List<String> inputNames() {
        return List.copyOf(model.getConfiguration().getNetworkInputs());
    }

    @Override
    List<BatchNormSite> sites() {
        return sites;
    }

    @Override
    void begin() {
        savedInputs = model.getInputs();
        tapped(); // here: a sweep on another thread must not take the model's lock (DL4J's getters do), held here
    }

    @Override
    void end() {
        model.setInputs(savedInputs);
        if (!ownCopy && tapped != null) {
            tapped.graph().clearLayersStates();
            if (tappedFrom != null) {
                COPIES.giveBack(model, tappedFrom, tapped);
            }
            tapped = null;
            tappedFrom = null;
        }
    }

    private Tapped tapped() {
        if (tapped == null) {
            if (keepNoise) {
                tapped = tappedCopy(model, model.params(), true); // its noise draws its own random numbers: not kept
            } else {
                tappedFrom = fingerprint(model);
                tapped = COPIES.take(model, tappedFrom, () -> tappedCopy(model, model.params(), false));
            }
        }
        return tapped;
    }

    /** What a tapped copy of {@code model} is built from (see {@link TappedCopies.Fingerprint}). */
    private static TappedCopies.Fingerprint fingerprint(ComputationGraph model) {
        ComputationGraphConfiguration configuration = model.getConfiguration().clone();
        configuration.setIterationCount(0);
        configuration.setEpochCount(0);
        configuration.getDefaultConfiguration().setIterationCount(0);
        configuration.getDefaultConfiguration().setEpochCount(0);
        for (org.deeplearning4j.nn.conf.graph.GraphVertex vertex :
                configuration.getVertices().values()) {
            if (vertex instanceof org.deeplearning4j.nn.conf.graph.LayerVertex layerVertex) {
                layerVertex.getLayerConf().setIterationCount(0);
                layerVertex.getLayerConf().setEpochCount(0);
            }
        }
        List<Object> layers = new ArrayList<>();
        for (GraphVertex vertex : model.getVertices()) {
            layers.add(vertex.hasLayer() ? vertex.getLayer() : vertex);
        }
        return TappedCopies.Fingerprint.of(model.params(), configuration, layers);
    }

    /** How many tapped copies of users' graphs have been built (for tests of {@link TappedCopies}). */
    static int tappedCopiesBuilt() {
        return COPIES.builds();
    }

    /** How many tapped copies of users' graphs are kept (for tests of {@link TappedCopies}). */
    static int tappedCopiesKept() {
        return COPIES.kept();
    }

    /**
     * As in {@link MultiLayerNetworkAdapter}: a graph of {@code source}'s configuration on {@code parameters}
     * (shared), without its noise (or with its own copies of it), frozen where {@code source} is, each
     * BatchNormalization layer wrapped in a {@link SiteTap} (set into its vertex, which DL4J offers no setter for).
     */
    private static Tapped tappedCopy(ComputationGraph source, INDArray parameters, boolean keepNoise) {
        ComputationGraphConfiguration copy = source.getConfiguration().clone();
        layerConfigurations(copy)
                .forEach(
                        keepNoise
                                ? LayerConfigurations::copyTrainingOnlyNoise
                                : LayerConfigurations::removeTrainingOnlyNoise);
        ComputationGraph graph = new ComputationGraph(copy);
        graph.init(parameters, false);
        for (GraphVertex vertex : source.getVertices()) {
            if (vertex.hasLayer() && isFrozen(vertex.getLayer()) && !isFrozen(graph.getLayer(vertex.getVertexName()))) {
                graph.getVertex(vertex.getVertexName()).setLayerAsFrozen();
            }
        }
        SiteTap.Board board = new SiteTap.Board();
        int site = 0;
        for (int index : graph.topologicalSortOrder()) {
            GraphVertex vertex = graph.getVertices()[index];
            if (vertex.hasLayer() && batchNormInside(vertex.getLayer()) != null) {
                setLayer((LayerVertex) vertex, new SiteTap(vertex.getLayer(), site++, board));
            }
        }
        return new Tapped(graph, board);
    }

    private static final java.lang.reflect.Field VERTEX_LAYER = vertexLayerField();

    private static java.lang.reflect.Field vertexLayerField() {
        try {
            java.lang.reflect.Field field = LayerVertex.class.getDeclaredField("layer");
            field.setAccessible(true);
            return field;
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "This DL4J version's LayerVertex has no field 'layer' to tap: "
                            + "batchnorm-consistency supports DL4J 1.0.0-beta7 to 1.0.0-M2.1.",
                    e);
        }
    }

    private static void setLayer(LayerVertex vertex, Layer layer) {
        try {
            VERTEX_LAYER.set(vertex, layer);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("Cannot tap vertex '" + vertex.getVertexName() + "'.", e);
        }
    }

    @Override
    INDArray[] run(INDArray[] features, boolean training, SiteTap.SiteReader reader) {
        Tapped on = tapped();
        on.board().set(reader);
        try {
            return output(on.graph(), features, training);
        } finally {
            on.board().set(null);
        }
    }

    private static INDArray[] output(ComputationGraph graph, INDArray[] features, boolean training) {
        try {
            return graph.output(training, features);
        } catch (org.nd4j.linalg.workspace.ND4JWorkspaceException e) {
            // seen with some Keras-imported graphs on the training path: run without workspaces then (our copy)
            graph.getConfiguration().setTrainingWorkspaceMode(WorkspaceMode.NONE);
            graph.getConfiguration().setInferenceWorkspaceMode(WorkspaceMode.NONE);
            return graph.output(training, features);
        }
    }

    private static List<org.deeplearning4j.nn.conf.layers.Layer> layerConfigurations(
            ComputationGraphConfiguration conf) {
        List<org.deeplearning4j.nn.conf.layers.Layer> layers = new ArrayList<>();
        for (org.deeplearning4j.nn.conf.graph.GraphVertex vertex :
                conf.getVertices().values()) {
            if (vertex instanceof org.deeplearning4j.nn.conf.graph.LayerVertex layerVertex) {
                layers.add(layerVertex.getLayerConf().getLayer());
            }
        }
        return layers;
    }

    @Override
    String firstRejectingLayer(INDArray[] features) {
        int[] order = model.topologicalSortOrder();
        int rejecting = ModelAdapter.firstFailing(order.length, i -> feedForwardTo(model, features, i, false));
        if (rejecting < 0) {
            return "";
        }
        Map<String, INDArray> activations =
                rejecting == 0 ? Map.of() : feedForwardTo(model, features, rejecting - 1, false);
        GraphVertex vertex = model.getVertices()[order[rejecting]];
        StringBuilder received = new StringBuilder();
        for (String input :
                model.getConfiguration().getVertexInputs().getOrDefault(vertex.getVertexName(), List.of())) {
            INDArray a = activations.get(input);
            received.append(received.length() == 0 ? "" : ", ")
                    .append(a == null ? "?" : java.util.Arrays.toString(a.shape()));
        }
        String what = vertex.hasLayer()
                ? expectation(vertex.getLayer().conf().getLayer())
                : vertex.getClass().getSimpleName();
        return "vertex '" + vertex.getVertexName() + "' (" + what + ") is the first to reject its input of shape "
                + received;
    }

    @Override
    String describe(BatchNormSite site, boolean producer) {
        return "vertex '" + (producer ? inputVertex.get(site) : site.name()) + "'";
    }

    @Override
    ForwardPass forward(INDArray[] features, boolean training) {
        ComputationGraph graph = training ? tapped().graph() : model;
        return passOf(graph, graph.feedForward(features, training));
    }

    /**
     * The pass up to and including the vertex at {@code position} in topological order. Only this overload of
     * DL4J's takes a topological position: {@code feedForward(INDArray[], int, boolean)} takes an index into the
     * graph's layers and then misreads the layer's vertex index as a position.
     */
    private static Map<String, INDArray> feedForwardTo(
            ComputationGraph graph, INDArray[] features, int position, boolean training) {
        return graph.feedForward(features, position, training, true);
    }

    /** Reads the model's own training activations, as a listener's {@code onForwardPass} receives them. */
    ForwardPass passOf(Map<String, INDArray> activations) {
        return passOf(model, activations);
    }

    /** Reads activations as {@code feedForward} (or a listener's {@code onForwardPass}) returns them. */
    ForwardPass passOf(ComputationGraph graph, Map<String, INDArray> activations) {
        int miniBatch = (int) activations
                .get(graph.getConfiguration().getNetworkInputs().get(0))
                .size(0);
        return new ForwardPass() {
            @Override
            public INDArray inputOf(BatchNormSite site) {
                INDArray input = activations.get(inputVertex.get(site));
                InputPreProcessor preProcessor = ((LayerVertex) graph.getVertex(site.name())).getLayerPreProcessor();
                return preProcessor == null
                        ? input
                        : preProcessor.preProcess(input, miniBatch, LayerWorkspaceMgr.noWorkspaces());
            }

            @Override
            public INDArray[] outputs() {
                List<String> names = graph.getConfiguration().getNetworkOutputs();
                INDArray[] outputs = new INDArray[names.size()];
                for (int i = 0; i < outputs.length; i++) {
                    outputs[i] = activations.get(names.get(i));
                }
                return outputs;
            }

            @Override
            public java.util.Optional<String> firstNonFiniteLayer() {
                for (int index : graph.topologicalSortOrder()) {
                    GraphVertex vertex = graph.getVertices()[index];
                    INDArray activation = activations.get(vertex.getVertexName());
                    if (!vertex.isInputVertex() && activation != null && !ForwardPass.isFinite(activation)) {
                        return java.util.Optional.of("vertex '" + vertex.getVertexName() + "'");
                    }
                }
                return java.util.Optional.empty();
            }
        };
    }
}
