package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.probe.ProbeBatch;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.ProbeSummary;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * Runs the check: for each probe batch one training-path and one inference-path forward pass, per-layer
 * statistics from those same two passes, then the diagnosis. Holds nothing of a batch once it is counted,
 * so memory stays flat however much probe data there is.
 */
public final class ConsistencyEngine {

    private ConsistencyEngine() {
    }

    /**
     * Checks {@code model} on {@code data}. The model's parameters, updater state, counters, configuration and
     * random-number stream are left exactly as they were. The report carries no lint findings (see
     * {@code BatchNormInspector}, which adds them).
     *
     * @throws IllegalArgumentException for a null or uninitialized model, missing or empty data, or data the
     *                                  model rejects (the message names the batch and the shapes)
     */
    public static ConsistencyReport inspect(Model model, ProbeData data, double layerTolerance) {
        Tolerances.requireValid(layerTolerance, "layer tolerance");
        return withModel(model, data, adapter -> measure(adapter, data, true).report(layerTolerance));
    }

    /** The BatchNormalization layers of {@code model}, in topological order. */
    public static List<BatchNormSite> batchNormSites(Model model) {
        return ModelAdapter.of(model).sites();
    }

    /**
     * Runs {@code work} with the model's transient state saved and the training-path model prepared, one check of
     * a model at a time (DL4J networks are not safe for concurrent forward passes).
     */
    static <T> T withModel(Model model, ProbeData data, Function<ModelAdapter, T> work) {
        ModelAdapter adapter = ModelAdapter.of(model);
        if (data == null) {
            throw new IllegalArgumentException("The probe data is null: pass the data to check the model on.");
        }
        synchronized (model) {
            adapter.begin();
            try {
                return work.apply(adapter);
            } finally {
                adapter.end();
            }
        }
    }

    /**
     * One pass over the data: the training path always, the inference path only when {@code compareOutputs}
     * (the per-layer statistics need only the training path).
     */
    static Measurement measure(ModelAdapter adapter, ProbeData data, boolean compareOutputs) {
        List<BatchNormSite> sites = adapter.sites();
        ChannelStatisticsAccumulator[] statistics = new ChannelStatisticsAccumulator[sites.size()];
        ChannelLayout[] layouts = new ChannelLayout[sites.size()];
        Arrays.fill(layouts, ChannelLayout.UNKNOWN);
        for (int s = 0; s < statistics.length; s++) {
            statistics[s] = new ChannelStatisticsAccumulator(sites.get(s).channels());
        }
        OutputComparison outputs = new OutputComparison();
        int[] batches = {0};
        long[] examples = {0, Long.MAX_VALUE};
        String[] firstShape = {""};

        OffHeapGarbage garbage = new OffHeapGarbage();
        data.forEachBatch(batch -> {
            garbage.collectIfGrown();
            INDArray[] features = adapter.features(batch);
            ForwardPass training = compareOutputs ? pass(adapter, features, true, batch)
                    : trainingPassToLastSite(adapter, features, batch);
            ForwardPass inference = compareOutputs ? pass(adapter, features, false, batch) : null;
            for (int s = 0; s < statistics.length; s++) {
                BatchNormSite site = sites.get(s);
                INDArray trainingInput = training.inputOf(site);
                if (layouts[s] == ChannelLayout.UNKNOWN) {
                    layouts[s] = BatchMoments.layoutOf(trainingInput, site.config().getCnn2DFormat());
                }
                if (layouts[s].isSupported()) {
                    INDArray inferenceInput = inference != null && adapter.inferenceInputReadable(site)
                            ? inference.inputOf(site) : null;
                    BatchMoments moments = BatchMoments.of(trainingInput, inferenceInput, layouts[s]);
                    statistics[s].addBatch(moments.mean(), moments.variance(), moments.squaredDrift(),
                            moments.valuesPerChannel());
                }
            }
            if (inference != null) {
                outputs.add(training.outputs(), inference.outputs(), batch.labels(), inference);
            }
            if (batches[0] == 0) {
                firstShape[0] = batch.shapeDescription();
            }
            batches[0]++;
            examples[0] += batch.examples();
            examples[1] = Math.min(examples[1], batch.examples());
        });
        if (batches[0] == 0) {
            throw new IllegalArgumentException("The probe data (" + data.description() + ") yielded no batch: "
                    + "nothing to compare. Pass a non-empty iterator (or reset it before the check).");
        }
        return new Measurement(adapter.modelType(), adapter.dataType().name(), sites, List.of(layouts),
                new ArrayList<>(List.of(statistics)),
                new ProbeSummary(data.description(), batches[0], examples[0], firstShape[0], examples[1]),
                compareOutputs ? outputs.result() : OutputDivergence.notMeasured());
    }

    /** The training path only as far as the last BatchNormalization input: enough when outputs are not compared. */
    private static ForwardPass trainingPassToLastSite(ModelAdapter adapter, INDArray[] features, ProbeBatch batch) {
        try {
            return adapter.trainingPassToLastSite(features);
        } catch (RuntimeException e) {
            return pass(adapter, features, true, batch); // the full pass words the error
        }
    }

    /**
     * DL4J's forward passes leave their activations off-heap, freed only when the JVM collects their handles; with
     * a small heap it rarely does, so a check over many batches of a large model would grow by a whole pass per
     * batch. Collecting when off-heap memory has grown by more than {@link #THRESHOLD} since the check began keeps
     * it flat (and costs nothing on models too small to reach the threshold).
     */
    private static final class OffHeapGarbage {
        static final long THRESHOLD = 64L << 20;
        private final long start = physicalBytes();

        void collectIfGrown() {
            if (physicalBytes() > start + THRESHOLD) {
                System.gc();
            }
        }

        private static long physicalBytes() {
            return org.bytedeco.javacpp.Pointer.physicalBytesInaccurate(THRESHOLD);
        }
    }

    private static ForwardPass pass(ModelAdapter adapter, INDArray[] features, boolean training, ProbeBatch batch) {
        try {
            return adapter.forward(features, training);
        } catch (RuntimeException e) {
            String rejecting = firstRejectingLayer(adapter, features);
            throw new IllegalArgumentException("The " + adapter.modelType() + " could not run probe batch "
                    + batch.index() + " (features " + ModelAdapter.shapes(features) + ") on the "
                    + (training ? "training" : "inference") + " path"
                    + (rejecting.isEmpty() ? "" : ": " + rejecting) + ". DL4J says: " + sentence(e.getMessage())
                    + unsupportedRankHint(e)
                    + " Check that the probe data has the shape, channel order and data the model was trained on.", e);
        }
    }

    /** The text as a sentence of its own: trimmed, ending with a full stop. */
    private static String sentence(String text) {
        String trimmed = String.valueOf(text).strip();
        return trimmed.endsWith(".") ? trimmed : trimmed + ".";
    }

    /** Best effort: the diagnosis must not hide the original failure. */
    private static String firstRejectingLayer(ModelAdapter adapter, INDArray[] features) {
        try {
            return adapter.firstRejectingLayer(features);
        } catch (RuntimeException ignored) {
            return "";
        }
    }

    /** DL4J's BatchNormalization rejects some input ranks with terse messages; say which ones and why. */
    private static String unsupportedRankHint(RuntimeException e) {
        String message = String.valueOf(e.getMessage());
        boolean batchNorm = message.contains("BatchNormalization") || Arrays.stream(e.getStackTrace())
                .anyMatch(f -> f.getClassName().endsWith("normalization.BatchNormalization"));
        if (!batchNorm) {
            return "";
        }
        return " (DL4J 1.0.0-M2.1 BatchNormalization normalizes rank-2 [minibatch, channels], rank-4 NCHW/NHWC and "
                + "rank-3 channels-last [minibatch, time, channels] inputs only; recurrent [minibatch, channels, time] "
                + "input in NCHW format and rank-5 input are unsupported.)";
    }
}
