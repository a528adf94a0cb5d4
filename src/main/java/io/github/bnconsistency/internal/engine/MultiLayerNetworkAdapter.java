package io.github.bnconsistency.internal.engine;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

final class MultiLayerNetworkAdapter extends ModelAdapter {

    private final MultiLayerNetwork model;
    private final List<BatchNormSite> sites = new ArrayList<>();
    // by identity: a site record hashes its mutable DL4J configuration, which training may change
    private final Map<BatchNormSite, Integer> layerIndex = new IdentityHashMap<>();
    private final boolean keepNoise;
    /** The engine's own copy of {@link #model} with its sites tapped, made for a check; or {@link #model} itself. */
    private Tapped tapped;
    /** What {@link #tapped} was built from, when it is a kept copy (see {@link TappedCopies}), else null. */
    private TappedCopies.Fingerprint tappedFrom;

    private static final TappedCopies<Tapped> COPIES = new TappedCopies<>();

    private final boolean ownCopy;
    private INDArray savedInput;

    /** A network the passes run on, with a tap on each BatchNormalization layer, and the taps' board. */
    private record Tapped(MultiLayerNetwork network, SiteTap.Board board) {}

    MultiLayerNetworkAdapter(MultiLayerNetwork model) {
        this(model, false, null);
    }

    /** @param own the engine's own tapped copy, which {@code model} is; null for a model of the user's */
    private MultiLayerNetworkAdapter(MultiLayerNetwork model, boolean keepNoise, Tapped own) {
        this.model = model;
        this.keepNoise = keepNoise;
        this.tapped = own;
        this.ownCopy = own != null;
        Layer[] layers = model.getLayers();
        if (layers == null) {
            throw new IllegalArgumentException("The MultiLayerNetwork is not initialized: call model.init() "
                    + "(or load a trained model) before checking it.");
        }
        for (int i = 0; i < layers.length; i++) {
            BatchNormalization bn = batchNormInside(layers[i]);
            if (bn != null) {
                String name = bn.conf().getLayer().getLayerName();
                BatchNormSite site = new BatchNormSite(
                        name == null ? "layer" + i : name,
                        sites.size() + 1,
                        "layer index " + i,
                        (org.deeplearning4j.nn.conf.layers.BatchNormalization)
                                bn.conf().getLayer(),
                        bn,
                        isFrozen(layers[i]));
                sites.add(site);
                layerIndex.put(site, i);
            }
        }
    }

    @Override
    String modelType() {
        return "MultiLayerNetwork";
    }

    @Override
    DataType dataType() {
        return model.getLayerWiseConfigurations().getDataType();
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
        MultiLayerNetwork copy = model.clone();
        copy.setIterationCount(model.getIterationCount());
        copy.setEpochCount(model.getEpochCount());
        return copy;
    }

    @Override
    ModelAdapter sharedCopy() {
        Tapped copy = tappedCopy(model, model.params(), false);
        return new MultiLayerNetworkAdapter(copy.network(), false, copy);
    }

    @Override
    ModelAdapter doubleCopy() {
        MultiLayerNetwork inDouble = model.convertDataType(DataType.DOUBLE);
        Tapped copy = tappedCopy(inDouble, inDouble.params(), false);
        return new MultiLayerNetworkAdapter(copy.network(), false, copy);
    }

    @Override
    ModelAdapter withTrainingNoise() {
        return new MultiLayerNetworkAdapter(model, true, null);
    }

    @Override
    List<String> noiseUpstream(BatchNormSite site) {
        int index = layerIndex.get(site);
        int previous = sites.stream()
                .mapToInt(layerIndex::get)
                .filter(i -> i < index)
                .max()
                .orElse(-1);
        List<String> segment = new ArrayList<>();
        List<String> all = new ArrayList<>();
        for (int i = 0; i <= index; i++) {
            org.deeplearning4j.nn.conf.layers.Layer conf =
                    model.getLayerWiseConfigurations().getConf(i).getLayer();
            int at = i;
            LayerConfigurations.effectiveNoise(conf).ifPresent(noise -> {
                String name = conf.getLayerName() == null ? "layer" + at : conf.getLayerName();
                String described =
                        name + " (" + conf.getClass().getSimpleName() + ", layer index " + at + ": " + noise + ")";
                all.add(described);
                if (at > previous) {
                    segment.add(described);
                }
            });
        }
        return segment.isEmpty() ? all : segment;
    }

    @Override
    int inputCount() {
        return 1;
    }

    @Override
    List<String> inputNames() {
        return List.of("input");
    }

    @Override
    List<BatchNormSite> sites() {
        return sites;
    }

    @Override
    void begin() {
        savedInput = model.getInput();
        tapped(); // here: a sweep on another thread must not take the model's lock (DL4J's getters do), held here
    }

    @Override
    void end() {
        model.setInput(savedInput);
        if (!ownCopy && tapped != null) {
            tapped.network().clearLayersStates();
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
    private static TappedCopies.Fingerprint fingerprint(MultiLayerNetwork model) {
        MultiLayerConfiguration configuration =
                model.getLayerWiseConfigurations().clone();
        configuration.setIterationCount(0);
        configuration.setEpochCount(0);
        for (NeuralNetConfiguration conf : configuration.getConfs()) {
            conf.setIterationCount(0);
            conf.setEpochCount(0);
        }
        return TappedCopies.Fingerprint.of(model.params(), configuration, List.of(model.getLayers()));
    }

    /** How many tapped copies of users' networks have been built (for tests of {@link TappedCopies}). */
    static int tappedCopiesBuilt() {
        return COPIES.builds();
    }

    /** How many tapped copies of users' networks are kept (for tests of {@link TappedCopies}). */
    static int tappedCopiesKept() {
        return COPIES.kept();
    }

    /**
     * A network of {@code source}'s configuration on {@code parameters} (shared, not copied), without its dropout and
     * weight noise (or, {@code keepNoise}, with its own copies of them), each BatchNormalization layer wrapped in a
     * {@link SiteTap}. Layers frozen after construction (not through the configuration) stay frozen, as {@code
     * MultiLayerNetwork.clone()} keeps them: a frozen BatchNormalization normalizes with its moving statistics.
     */
    private static Tapped tappedCopy(MultiLayerNetwork source, INDArray parameters, boolean keepNoise) {
        MultiLayerConfiguration copy = source.getLayerWiseConfigurations().clone();
        for (NeuralNetConfiguration conf : copy.getConfs()) {
            if (keepNoise) {
                LayerConfigurations.copyTrainingOnlyNoise(conf.getLayer());
            } else {
                LayerConfigurations.removeTrainingOnlyNoise(conf.getLayer());
            }
        }
        MultiLayerNetwork network = new MultiLayerNetwork(copy);
        network.init(parameters, false);
        Layer[] original = source.getLayers();
        Layer[] copied = network.getLayers();
        SiteTap.Board board = new SiteTap.Board();
        int site = 0;
        for (int i = 0; i < original.length; i++) {
            if (isFrozen(original[i]) && !isFrozen(copied[i])) {
                copied[i] = new FrozenLayer(copied[i]);
            }
            if (batchNormInside(copied[i]) != null) {
                copied[i] = new SiteTap(copied[i], site++, board);
            }
        }
        network.setLayers(copied);
        return new Tapped(network, board);
    }

    @Override
    INDArray[] run(INDArray[] features, boolean training, SiteTap.SiteReader reader) {
        Tapped on = tapped();
        on.board().set(reader);
        try {
            return new INDArray[] {output(on.network(), features[0], training)};
        } finally {
            on.board().set(null);
        }
    }

    private static INDArray output(MultiLayerNetwork network, INDArray features, boolean training) {
        try {
            return network.output(features, training);
        } catch (org.nd4j.linalg.workspace.ND4JWorkspaceException e) {
            // seen with some imported models: the pass runs without workspaces then (our copy; the model keeps its)
            network.getLayerWiseConfigurations().setTrainingWorkspaceMode(WorkspaceMode.NONE);
            network.getLayerWiseConfigurations().setInferenceWorkspaceMode(WorkspaceMode.NONE);
            return network.output(features, training);
        }
    }

    @Override
    String firstRejectingLayer(INDArray[] features) {
        int rejecting =
                ModelAdapter.firstFailing(model.getnLayers(), i -> model.feedForwardToLayer(i, features[0], false));
        if (rejecting < 0) {
            return "";
        }
        INDArray input =
                rejecting == 0 ? features[0] : last(model.feedForwardToLayer(rejecting - 1, features[0], false));
        org.deeplearning4j.nn.conf.layers.Layer conf =
                model.getLayerWiseConfigurations().getConf(rejecting).getLayer();
        return "layer '" + (conf.getLayerName() == null ? "layer" + rejecting : conf.getLayerName()) + "' (index "
                + rejecting + ", " + expectation(conf) + ") is the first to reject its input of shape "
                + java.util.Arrays.toString(input.shape())
                + (model.getLayerWiseConfigurations().getInputPreProcess(rejecting) != null
                        ? " (before its preprocessor)"
                        : "")
                + channelsLastHint(rejecting, input, conf);
    }

    private static INDArray last(List<INDArray> activations) {
        return activations.get(activations.size() - 1);
    }

    /** The commonest mix-up: channels-last images given to a channels-first first layer, or the reverse. */
    private static String channelsLastHint(int index, INDArray input, org.deeplearning4j.nn.conf.layers.Layer conf) {
        if (index != 0
                || input.rank() != 4
                || !(conf instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer conv)) {
            return "";
        }
        boolean nchw = conv.getCnn2dDataFormat() != org.deeplearning4j.nn.conf.CNN2DFormat.NHWC;
        long channels = conv.getNIn();
        if (nchw && input.size(1) != channels && input.size(3) == channels) {
            return "; the data looks channels-last (NHWC): permute it with features.permute(0, 3, 1, 2)";
        }
        if (!nchw && input.size(3) != channels && input.size(1) == channels) {
            return "; the data looks channels-first (NCHW): permute it with features.permute(0, 2, 3, 1)";
        }
        return "";
    }

    @Override
    String describe(BatchNormSite site, boolean producer) {
        int index = layerIndex.get(site) - (producer ? 1 : 0);
        if (index < 0) {
            return "the network input";
        }
        String name =
                model.getLayerWiseConfigurations().getConf(index).getLayer().getLayerName();
        return (name == null ? "layer" + index : name) + " (layer index " + index + ")";
    }

    @Override
    ForwardPass forward(INDArray[] features, boolean training) {
        MultiLayerNetwork network = training ? tapped().network() : model;
        return passOf(network, network.feedForward(features[0], training));
    }

    /** Reads the model's own training activations, as a listener's {@code onForwardPass} receives them. */
    ForwardPass passOf(List<INDArray> activations) {
        return passOf(model, activations);
    }

    /** Reads activations as {@code feedForward} (or a listener's {@code onForwardPass}) returns them. */
    ForwardPass passOf(MultiLayerNetwork network, List<INDArray> activations) {
        int miniBatch = (int) activations.get(0).size(0);
        return new ForwardPass() {
            @Override
            public INDArray inputOf(BatchNormSite site) {
                int i = layerIndex.get(site);
                INDArray input = activations.get(i);
                InputPreProcessor preProcessor =
                        network.getLayerWiseConfigurations().getInputPreProcess(i);
                return preProcessor == null
                        ? input
                        : preProcessor.preProcess(input, miniBatch, LayerWorkspaceMgr.noWorkspaces());
            }

            @Override
            public INDArray[] outputs() {
                return new INDArray[] {activations.get(activations.size() - 1)};
            }

            @Override
            public java.util.Optional<String> firstNonFiniteLayer() {
                for (int i = 1; i < activations.size(); i++) {
                    if (!ForwardPass.isFinite(activations.get(i))) {
                        String name = network.getLayer(i - 1).conf().getLayer().getLayerName();
                        return java.util.Optional.of(
                                (name == null ? "layer" + (i - 1) : name) + " (layer index " + (i - 1) + ")");
                    }
                }
                return java.util.Optional.empty();
            }
        };
    }
}
