package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.probe.ProbeBatch;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the engine needs from a MultiLayerNetwork or a ComputationGraph: its BatchNormalization layers in
 * topological order, and forward passes that expose every layer's input. The training path runs on a copy
 * without dropout or weight noise (sharing the original's parameters) so that it differs from the inference
 * path only in how BatchNormalization normalizes; the user's model keeps bit-identical parameters, updater
 * state, counters, configuration and random-number stream.
 */
abstract class ModelAdapter {

    /** The one place that tells a MultiLayerNetwork from a ComputationGraph. */
    static ModelAdapter of(Model model) {
        if (model == null) {
            throw new IllegalArgumentException(
                    "The model is null: pass the MultiLayerNetwork or ComputationGraph to check.");
        }
        if (model instanceof MultiLayerNetwork network) {
            return new MultiLayerNetworkAdapter(network);
        }
        if (model instanceof ComputationGraph graph) {
            return new ComputationGraphAdapter(graph);
        }
        throw new IllegalArgumentException("Only MultiLayerNetwork and ComputationGraph models can be checked, not "
                + model.getClass().getName() + ".");
    }

    /**
     * A network of the same configuration on the model's own parameters (shared, not copied) whose BatchNormalization
     * layers have their own copies of the moving statistics, to run the inference path with other moving statistics
     * without touching the model and without a second copy of its weights (100 MB for ResNet50).
     */
    final ModelAdapter statisticsCopy() {
        ModelAdapter copy = sharedCopy();
        copy.sites().forEach(BatchNormSite::ownMovingStatistics);
        return copy;
    }

    /** A network of the same configuration on the model's parameters, shared (see {@link #statisticsCopy()}). */
    abstract ModelAdapter sharedCopy();

    /** A copy of the network in DOUBLE (parameters and activations), to tell float rounding from a real difference. */
    abstract ModelAdapter doubleCopy();

    /**
     * The same model whose training path keeps its dropout and weight noise (its own copies of them, on a network
     * sharing the parameters): the distribution training normalized, for telling a variance shift from statistics
     * that have not converged. Its random numbers come from the calling thread's ND4J generator.
     */
    abstract ModelAdapter withTrainingNoise();

    /**
     * The layers upstream of the site (the site included) that are random at training time only, described ({@code
     * drop1 (DropoutLayer, layer index 2: dropout, retain probability 0.5)}): those since the previous
     * BatchNormalization layer, or, when there are none, all upstream; empty when there are none at all.
     */
    abstract List<String> noiseUpstream(BatchNormSite site);

    /** {@code MultiLayerNetwork} or {@code ComputationGraph}. */
    abstract String modelType();

    abstract DataType dataType();

    /** The model's {@code fit()} iteration count. */
    abstract int iterationCount();

    /** The model's epoch count. */
    abstract int epochCount();

    /**
     * A full copy (parameters, updater state, configuration); DL4J's {@code clone()} does not carry a graph's
     * iteration and epoch counts, so they are set on the copy.
     */
    abstract Model copy();

    abstract int inputCount();

    /** The network inputs' names, in order, for messages. */
    abstract List<String> inputNames();

    /** BatchNormalization layers in topological order. */
    abstract List<BatchNormSite> sites();

    /** Remembers the model's transient state and prepares the copy the passes run on. */
    abstract void begin();

    /** Restores the transient state the forward passes overwrote (the network's current input). */
    abstract void end();

    /**
     * One forward pass of DL4J's own ({@code output}), with the statistics read inside it: {@code reader} gets each
     * site's input as the layer receives it, while the pass runs ({@link SiteTap}). The training path runs on a copy
     * without dropout or weight noise (or with its own copies of them, see {@link #withTrainingNoise}) sharing the
     * model's parameters; the inference path on that copy too, which at inference is the model. Nothing of the
     * pass is kept but the outputs (detached) and what the reader takes. A reader that fills per-pass slots may be
     * called twice for a site when DL4J's workspaces fail once and the pass is run again without them.
     *
     * @param reader what to do with each site's input, or null for the outputs alone
     */
    abstract INDArray[] run(INDArray[] features, boolean training, SiteTap.SiteReader reader);

    /**
     * The site's layer as the report names where non-finite activations start: {@code bn2 (layer index 4)} or
     * {@code vertex 'bn2'}; with {@code producer}, the layer or vertex whose output is the site's input.
     */
    abstract String describe(BatchNormSite site, boolean producer);

    /**
     * One forward pass that keeps every activation ({@code feedForward}): only to find where a failure or a
     * non-finite value starts, never for the statistics.
     */
    abstract ForwardPass forward(INDArray[] features, boolean training);

    /**
     * After a forward pass failed: the first layer, in topological order, that rejects these features on the
     * inference path, with the input shape it received and what it expects; empty when every layer accepts them.
     */
    abstract String firstRejectingLayer(INDArray[] features);

    /**
     * The smallest index in {@code [0, count)} whose forward pass (up to and including it) throws, or -1 when the
     * last one succeeds. A layer fails when it or an earlier one does, so bisection finds it in log(count) passes.
     */
    static int firstFailing(int count, java.util.function.IntConsumer forwardTo) {
        if (succeeds(forwardTo, count - 1)) {
            return -1;
        }
        int low = -1; // succeeds (or before the first layer)
        int high = count - 1; // fails
        while (high - low > 1) {
            int mid = (low + high) >>> 1;
            if (succeeds(forwardTo, mid)) {
                low = mid;
            } else {
                high = mid;
            }
        }
        return high;
    }

    private static boolean succeeds(java.util.function.IntConsumer forwardTo, int index) {
        try {
            forwardTo.accept(index);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** E.g. {@code ConvolutionLayer, nIn 3, NCHW}: what a layer configuration expects of its input. */
    static String expectation(org.deeplearning4j.nn.conf.layers.Layer conf) {
        StringBuilder sb = new StringBuilder(conf.getClass().getSimpleName());
        if (conf instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer conv) {
            sb.append(", expects ")
                    .append(conv.getNIn())
                    .append(" channels in ")
                    .append(conv.getCnn2dDataFormat())
                    .append(
                            conv.getCnn2dDataFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NHWC
                                    ? " [minibatch, height, width, channels]"
                                    : " [minibatch, channels, height, width]");
        } else if (conf instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization bn) {
            sb.append(", expects ").append(bn.getNOut()).append(" channels");
        } else if (conf instanceof org.deeplearning4j.nn.conf.layers.FeedForwardLayer ff) {
            sb.append(", expects nIn ").append(ff.getNIn());
        }
        return sb.toString();
    }

    /** The batch's features, checked against the model's inputs and cast to its data type. */
    INDArray[] features(ProbeBatch batch) {
        INDArray[] features = batch.features();
        if (features.length != inputCount()) {
            String fix = inputCount() > 1
                    ? ": a DataSet or an INDArray carries one features array; pass a MultiDataSet (or a "
                            + "MultiDataSetIterator) with one features array per network input, in the order of "
                            + inputNames() + ", e.g. new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[] {"
                            + String.join(", ", inputNames()) + "}, labels)."
                    : ": pass one features array per network input (a DataSet, an INDArray or a DataSetIterator).";
            throw new IllegalArgumentException("The " + modelType() + " has " + inputCount() + " input"
                    + (inputCount() == 1 ? "" : "s") + " " + inputNames() + " but probe batch " + batch.index()
                    + " has " + features.length + " feature array" + (features.length == 1 ? "" : "s") + " "
                    + batch.shapeDescription() + fix);
        }
        long examples = features[0].size(0);
        requireLabelRows(batch, examples);
        INDArray[] cast = new INDArray[features.length];
        for (int i = 0; i < features.length; i++) {
            if (features[i].size(0) != examples) {
                throw new IllegalArgumentException(
                        "Probe batch " + batch.index() + " has feature arrays with different " + "numbers of examples: "
                                + batch.shapeDescription() + ".");
            }
            requireFinite(features[i], i, batch);
            cast[i] = features[i].dataType() == dataType() ? features[i] : features[i].castTo(dataType());
        }
        return cast;
    }

    /**
     * A network gives one output row per example, and a label row belongs to one example: labels with another row
     * count are a data bug (labels of another batch, or features and labels cut differently) whatever the
     * output, so they are refused before any pass. Labels of another width are not refused: they may describe an
     * output otherwise (class indices for a sparse loss, say), and only the accuracy needs labels of the output's
     * shape; the report says why it gives none.
     */
    private static void requireLabelRows(ProbeBatch batch, long examples) {
        INDArray[] labels = batch.labels();
        if (labels == null) {
            return;
        }
        for (int o = 0; o < labels.length; o++) {
            if (labels[o] != null && labels[o].rank() > 0 && labels[o].size(0) != examples) {
                throw new IllegalArgumentException("Probe batch " + batch.index() + " has labels"
                        + (labels.length > 1 ? " for output " + o : "") + " of shape "
                        + Arrays.toString(labels[o].shape()) + ", " + labels[o].size(0) + " rows, but " + examples
                        + " examples (features " + batch.shapeDescription() + "), and the model gives one output row "
                        + "per example: the labels do not belong to these features. Pass labels with one row per "
                        + "example, from the same DataSet or MultiDataSet as the features (or none: the check "
                        + "then compares the outputs without accuracy).");
            }
        }
    }

    private static void requireFinite(INDArray features, int input, ProbeBatch batch) {
        if (!features.dataType().isFPType() || ForwardPass.isFinite(features)) {
            return;
        }
        long nan = features.isNaN().castTo(DataType.INT64).sumNumber().longValue();
        long infinite = features.isInfinite().castTo(DataType.INT64).sumNumber().longValue();
        if (nan + infinite > 0) {
            throw new IllegalArgumentException("Probe batch " + batch.index() + " has " + nan + " NaN and " + infinite
                    + " infinite feature values (input " + input + ", shape " + Arrays.toString(features.shape())
                    + " of " + features.length() + " values): clean or impute the data first; the check compares "
                    + "finite inputs.");
        }
    }

    /** The BatchNormalization layer inside {@code layer} (unwrapping frozen wrappers), or null if it is not one. */
    static BatchNormalization batchNormInside(Layer layer) {
        Layer inner = layer;
        while (inner instanceof FrozenLayer || inner instanceof FrozenLayerWithBackprop || inner instanceof SiteTap) {
            inner = ((BaseWrapperLayer) inner).getUnderlying();
        }
        return inner instanceof BatchNormalization bn ? bn : null;
    }

    static boolean isFrozen(Layer layer) {
        Layer outer = layer instanceof SiteTap tap ? tap.getUnderlying() : layer;
        return outer instanceof FrozenLayer || outer instanceof FrozenLayerWithBackprop;
    }

    static String shapes(INDArray[] arrays) {
        StringBuilder sb = new StringBuilder();
        for (INDArray a : arrays) {
            sb.append(sb.length() == 0 ? "" : ", ").append(Arrays.toString(a.shape()));
        }
        return sb.toString();
    }
}
