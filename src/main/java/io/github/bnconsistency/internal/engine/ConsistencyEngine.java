package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.internal.Tolerances;
import io.github.bnconsistency.probe.ProbeBatch;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.ProbeSummary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs the check: for each probe batch one training-path and one inference-path forward pass, per-layer
 * statistics from those same two passes, then the diagnosis. Holds nothing of a batch once it is counted,
 * so memory stays flat however much probe data there is.
 */
public final class ConsistencyEngine {

    private ConsistencyEngine() {}

    /**
     * Checks {@code model} on {@code data}. The model's parameters, updater state, counters, configuration and
     * random-number stream are left exactly as they were. The report carries no lint findings and no fixes (see
     * {@code BatchNormInspector}, which adds them).
     *
     * @param trainingBatchSize the batch size the model was trained with, or 0 to infer it
     * @throws IllegalArgumentException for a null or uninitialized model, missing or empty data, or data the
     *                                  model rejects (the message names the batch and the shapes)
     */
    public static ConsistencyReport inspect(Model model, ProbeData data, double layerTolerance, int trainingBatchSize) {
        return inspect(model, data, layerTolerance, trainingBatchSize, true, true, false, true);
    }

    /**
     * As {@link #inspect(Model, ProbeData, double, int)}.
     *
     * @param doublePrecisionCheck whether a FLOAT/HALF model whose outputs differ while no layer explains it is
     *                             compared once more on a DOUBLE copy
     * @param outputNoise          whether such a difference is then measured against the output noise
     * @param outputNoiseBand      whether the output noise is measured even when every layer's statistics are within
     *                             their noise on every channel (which already makes the difference noise)
     * @param collectGarbage       whether the check collects garbage when off-heap memory has grown (see {@link
     *                             GarbagePolicy})
     */
    public static ConsistencyReport inspect(
            Model model,
            ProbeData data,
            double layerTolerance,
            int trainingBatchSize,
            boolean doublePrecisionCheck,
            boolean outputNoise,
            boolean outputNoiseBand,
            boolean collectGarbage) {
        Tolerances.requireValid(layerTolerance, "layer tolerance");
        requireValidBatchSize(trainingBatchSize);
        return withModel(
                model,
                data,
                adapter -> Inspection.run(
                        adapter,
                        data,
                        layerTolerance,
                        trainingBatchSize,
                        doublePrecisionCheck,
                        outputNoise,
                        outputNoiseBand,
                        new GarbagePolicy(collectGarbage)));
    }

    /** Rejects a negative training batch size (0 means: infer it), naming the fix. */
    public static int requireValidBatchSize(int trainingBatchSize) {
        if (trainingBatchSize < 0 || trainingBatchSize == 1) {
            throw new IllegalArgumentException("The training batch size must be at least 2 (or 0 to infer it), but was "
                    + trainingBatchSize + ": pass the mini-batch size your training iterator yields.");
        }
        return trainingBatchSize;
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
     * How a sweep runs the training path.
     *
     * @param compareOutputs   also run the inference path on each probe batch and compare outputs (and input drift)
     * @param batchSize        re-batch the examples to this size for the training path when the probe's batches have
     *                         another size (0: use the probe's batches as they come)
     * @param keepOutputs      keep each probe batch's inference outputs for a reference pass that follows
     */
    record Sweep(boolean compareOutputs, long batchSize, boolean keepOutputs) {
        static final Sweep STATISTICS_ONLY = new Sweep(false, 0, false);
    }

    /**
     * One sweep over the data: per probe batch the training path (on the probe batch, or on re-batched examples) and,
     * when asked, the inference path, their statistics read inside the passes into per-site accumulators; nothing of
     * a batch is held once counted but, when asked, its inference outputs.
     */
    static Measurement measure(ModelAdapter adapter, ProbeData data, Sweep sweep, GarbagePolicy garbage) {
        Tally tally = new Tally(adapter, sweep, garbage);
        data.forEachBatch(batch -> tally.add(batch, adapter.features(batch)));
        return tally.measurement(data, garbage);
    }

    /** The running counts of one sweep, in named steps. */
    private static final class Tally {
        private final ModelAdapter adapter;
        private final Sweep sweep;
        private final GarbagePolicy garbage;
        private final List<BatchNormSite> sites;
        private final ChannelStatisticsAccumulator[] statistics;
        private final ExampleStatistics[] examples;
        private final ChannelLayout[] layouts;
        private final OutputComparison outputs = new OutputComparison();
        private final List<INDArray[]> keptOutputs = new ArrayList<>();
        private final NoiseSamples noise;
        private Rechunker rechunker;
        private boolean rebatched;
        private int probeBatches;
        private long probeExamples;
        private long smallestProbeBatch = Long.MAX_VALUE;
        private String firstShape = "";
        private long trainingBatches;
        private long uniformBatchSize = -1;
        private long firstBatchSize;

        Tally(ModelAdapter adapter, Sweep sweep, GarbagePolicy garbage) {
            this.adapter = adapter;
            this.sweep = sweep;
            this.garbage = garbage;
            this.sites = adapter.sites();
            statistics = new ChannelStatisticsAccumulator[sites.size()];
            examples = new ExampleStatistics[sites.size()];
            layouts = new ChannelLayout[sites.size()];
            Arrays.fill(layouts, ChannelLayout.UNKNOWN);
            noise = new NoiseSamples(sites.size());
            for (int s = 0; s < sites.size(); s++) {
                statistics[s] = new ChannelStatisticsAccumulator(sites.get(s).channels());
                examples[s] = new ExampleStatistics(sites.get(s).channels());
            }
        }

        void add(ProbeBatch batch, INDArray[] features) {
            countProbeBatch(batch);
            if (probeBatches == 1 && sweep.batchSize() > 0 && batch.examples() != sweep.batchSize()) {
                rechunker = new Rechunker(sweep.batchSize()); // the first batch decides: re-batch them all
                rebatched = true;
            }
            if (rechunker != null) {
                for (INDArray[] chunk : rechunker.add(features)) {
                    count(trainingPass(chunk, batch, false), null);
                }
                if (sweep.compareOutputs() && sweep.keepOutputs()) {
                    keptOutputs.add(null); // the reference sweep runs this batch's inference pass itself
                }
                return;
            }
            Reading training = trainingPass(features, batch, sweep.compareOutputs());
            if (!sweep.compareOutputs()) {
                count(training, null);
                release(training.outputs);
                return;
            }
            double[][] drift = new double[sites.size()][];
            NonFiniteWatch watch = new NonFiniteWatch(adapter);
            INDArray[] inference = run(garbage, adapter, features, false, batch, (s, input) -> {
                DriftSample sample = training.samples[s];
                if (sample != null) {
                    training.samples[s] = null;
                    drift[s] = sample.squaredDriftSums(input, layouts[s]);
                }
                watch.input(s, input, layouts[s], drift[s]);
            });
            count(training, drift);
            outputs.add(training.outputs, inference, batch.labels(), () -> watch.firstNonFinite(features));
            release(training.outputs);
            if (sweep.keepOutputs()) {
                keptOutputs.add(inference);
            } else {
                release(inference);
            }
        }

        private void countProbeBatch(ProbeBatch batch) {
            if (probeBatches == 0) {
                firstShape = batch.shapeDescription();
                firstBatchSize = batch.examples();
            }
            probeBatches++;
            probeExamples += batch.examples();
            smallestProbeBatch = Math.min(smallestProbeBatch, batch.examples());
        }

        /** What one training pass read at the sites, and its outputs. */
        private final class Reading implements SiteTap.SiteReader {
            final BatchMoments[] moments = new BatchMoments[sites.size()];
            /** Each site's input values for the input drift, kept for the inference pass; null when not asked. */
            final DriftSample[] samples;

            long siteBatch = -1;
            INDArray[] outputs;

            Reading(boolean keepSamples) {
                samples = keepSamples ? new DriftSample[sites.size()] : null;
            }

            @Override
            public void read(int s, INDArray input) {
                if (layouts[s] == ChannelLayout.UNKNOWN) {
                    layouts[s] =
                            BatchMoments.layoutOf(input, sites.get(s).config().getCnn2DFormat());
                }
                if (s == 0) {
                    siteBatch = input.size(0);
                }
                if (!layouts[s].isSupported()) {
                    return;
                }
                moments[s] = BatchMoments.inPass(input, layouts[s]); // assigned: a pass run twice counts once
                if (samples != null) {
                    samples[s] = DriftSample.of(input, layouts[s]);
                }
            }
        }

        private Reading trainingPass(INDArray[] features, ProbeBatch batch, boolean keepSamples) {
            Reading reading = new Reading(keepSamples);
            reading.outputs = run(garbage, adapter, features, true, batch, reading);
            return reading;
        }

        /** Counts one training pass, with the inference path's squared drift per site (null: not measured). */
        private void count(Reading training, double[][] drift) {
            trainingBatches++;
            if (training.siteBatch >= 0) {
                long size = training.siteBatch;
                uniformBatchSize = uniformBatchSize < 0 || uniformBatchSize == size ? size : 0;
            }
            boolean sampled = false;
            for (int s = 0; s < sites.size(); s++) {
                BatchMoments moments = training.moments[s];
                if (moments == null) {
                    continue;
                }
                if (drift != null && drift[s] != null) {
                    moments = moments.withDrift(drift[s]);
                }
                statistics[s].addBatch(
                        moments.mean(), moments.variance(), moments.squaredDrift(), moments.valuesPerChannel());
                examples[s].add(moments.exampleMeans(), moments.exampleVariances(), moments.examples());
                if (!sampled) {
                    noise.startBatch(moments.examples());
                    sampled = true;
                }
                noise.add(s, moments);
            }
        }

        Measurement measurement(ProbeData data, GarbagePolicy garbage) {
            if (rechunker != null) {
                for (INDArray[] rest : rechunker.finish()) {
                    Reading reading = trainingPass(rest, new ProbeBatch(probeBatches, rest, null), false);
                    count(reading, null);
                    release(reading.outputs);
                }
            }
            if (probeBatches == 0) {
                throw new IllegalArgumentException("The probe data (" + data.description() + ") yielded no batch: "
                        + "nothing to compare. Pass a non-empty iterator (or reset it before the check).");
            }
            boolean compared = sweep.compareOutputs() && !rebatched;
            return new Measurement(
                    adapter.modelType(),
                    adapter.dataType().name(),
                    sites,
                    List.of(layouts),
                    new ArrayList<>(List.of(statistics)),
                    List.of(examples),
                    new ProbeSummary(
                            data.description(),
                            probeBatches,
                            probeExamples,
                            firstShape,
                            smallestProbeBatch,
                            garbage.collections()),
                    compared ? outputs.result() : OutputDivergence.notMeasured(),
                    trainingBatches,
                    Math.max(0, uniformBatchSize),
                    rebatched,
                    keptOutputs,
                    firstBatchSize,
                    noise,
                    adapter.iterationCount(),
                    adapter.epochCount());
        }
    }

    /** Frees a pass's outputs once compared (they are small, but off-heap until a collection otherwise). */
    static void release(INDArray[] arrays) {
        if (arrays != null) {
            for (INDArray a : arrays) {
                BatchMoments.release(a);
            }
        }
    }

    /**
     * One pass ({@link ModelAdapter#run}), after the garbage policy has had its say; a failure is worded with the
     * batch, the path and the layer that rejects it.
     */
    static INDArray[] run(
            GarbagePolicy garbage,
            ModelAdapter adapter,
            INDArray[] features,
            boolean training,
            ProbeBatch batch,
            SiteTap.SiteReader reader) {
        garbage.beforePass();
        try {
            return adapter.run(features, training, reader);
        } catch (RuntimeException e) {
            String rejecting = firstRejectingLayer(adapter, features);
            throw new IllegalArgumentException(
                    "The " + adapter.modelType() + " could not run probe batch "
                            + batch.index() + " (features " + ModelAdapter.shapes(features) + ") on the "
                            + (training ? "training" : "inference") + " path"
                            + (rejecting.isEmpty() ? "" : ": " + rejecting) + ". DL4J says: " + sentence(e.getMessage())
                            + unsupportedRankHint(e)
                            + " Check that the probe data has the shape, channel order and data the model was trained on.",
                    e);
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
        boolean batchNorm = message.contains("BatchNormalization")
                || Arrays.stream(e.getStackTrace())
                        .anyMatch(f -> f.getClassName().endsWith("normalization.BatchNormalization"));
        if (!batchNorm) {
            return "";
        }
        return " (DL4J 1.0.0-M2.1 BatchNormalization normalizes rank-2 [minibatch, channels], rank-4 NCHW/NHWC and "
                + "rank-3 channels-last [minibatch, time, channels] inputs only; recurrent [minibatch, channels, time] "
                + "input in NCHW format and rank-5 input are unsupported.)";
    }
}
