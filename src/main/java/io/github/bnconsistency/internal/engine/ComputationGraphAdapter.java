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
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
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
    private final Set<String> overwrittenAtInference = new HashSet<>();
    private final boolean keepNoise;
    private ComputationGraph trainingModel;
    private INDArray[] savedInputs;

    ComputationGraphAdapter(ComputationGraph model) {
        this(model, false);
    }

    private ComputationGraphAdapter(ComputationGraph model, boolean keepNoise) {
        this.model = model;
        this.keepNoise = keepNoise;
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
            if (layer.conf() != null && layer.conf().getLayer() instanceof ActivationLayer) {
                // applies its activation in place at inference, overwriting its input vertex's activations
                overwrittenAtInference.addAll(vertexInputs.get(vertex.getVertexName()));
            }
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
    ModelAdapter parameterCopy() {
        ComputationGraph copy = new ComputationGraph(model.getConfiguration().clone());
        copy.init(model.params().dup(), false);
        return new ComputationGraphAdapter(copy);
    }

    @Override
    ModelAdapter doubleCopy() {
        return new ComputationGraphAdapter(model.convertDataType(DataType.DOUBLE));
    }

    @Override
    ModelAdapter withTrainingNoise() {
        return new ComputationGraphAdapter(model, true);
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
    boolean inferenceInputReadable(BatchNormSite site) {
        return !overwrittenAtInference.contains(inputVertex.get(site));
    }

    @Override
    void begin() {
        savedInputs = model.getInputs();
        trainingModel = trainingModel();
    }

    @Override
    void end() {
        model.setInputs(savedInputs);
        if (trainingModel != model) {
            trainingModel.clearLayersStates();
        }
        trainingModel = null;
    }

    /**
     * As in {@link MultiLayerNetworkAdapter}: the model itself, or a noise-free copy (with its own copies of the
     * noise for {@link #withTrainingNoise}) sharing its parameters.
     */
    private ComputationGraph trainingModel() {
        ComputationGraphConfiguration configuration = model.getConfiguration();
        boolean noisy = layerConfigurations(configuration).stream().anyMatch(LayerConfigurations::hasTrainingOnlyNoise);
        if (!noisy) {
            return model;
        }
        ComputationGraphConfiguration copy = configuration.clone();
        layerConfigurations(copy)
                .forEach(
                        keepNoise
                                ? LayerConfigurations::copyTrainingOnlyNoise
                                : LayerConfigurations::removeTrainingOnlyNoise);
        ComputationGraph graph = new ComputationGraph(copy);
        graph.init(model.params(), false);
        for (GraphVertex vertex : model.getVertices()) {
            if (vertex.hasLayer() && isFrozen(vertex.getLayer()) && !isFrozen(graph.getLayer(vertex.getVertexName()))) {
                graph.getVertex(vertex.getVertexName()).setLayerAsFrozen();
            }
        }
        return graph;
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
    ForwardPass forward(INDArray[] features, boolean training) {
        ComputationGraph graph = training ? trainingModel : model;
        return passOf(graph, graph.feedForward(features, training));
    }

    @Override
    ForwardPass trainingPassToLastSite(INDArray[] features) {
        int[] order = model.topologicalSortOrder();
        List<String> needed = sites.stream().map(inputVertex::get).toList();
        int last = -1;
        for (int position = 0; position < order.length; position++) {
            if (needed.contains(model.getVertices()[order[position]].getVertexName())) {
                last = position;
            }
        }
        if (last < 0) {
            return forward(features, true);
        }
        return passOf(trainingModel, feedForwardTo(trainingModel, features, last, true));
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
