package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.OutputNoise;
import io.github.bnconsistency.report.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A check in named steps: measure the statistics (the training path on training-size batches, the inference path
 * on the probe's), decide the training batch size, judge each layer against the target statistics at that size,
 * and compare the inference outputs with the reference: the outputs of the model normalizing with those targets.
 * One probe batch of the training size needs two passes (its training path is the reference); otherwise a reference
 * pass on a copy sharing the weights follows, when the data can be read again.
 */
final class Inspection {

    private final ModelAdapter adapter;
    private final ProbeData data;
    private final double layerTolerance;
    private final boolean doublePrecisionCheck;
    private final boolean measureOutputNoise;
    private final boolean outputNoiseBand;
    private final GarbagePolicy garbage;

    private Inspection(
            ModelAdapter adapter,
            ProbeData data,
            double layerTolerance,
            boolean doublePrecisionCheck,
            boolean measureOutputNoise,
            boolean outputNoiseBand,
            GarbagePolicy garbage) {
        this.adapter = adapter;
        this.data = data;
        this.layerTolerance = layerTolerance;
        this.doublePrecisionCheck = doublePrecisionCheck;
        this.measureOutputNoise = measureOutputNoise;
        this.outputNoiseBand = outputNoiseBand;
        this.garbage = garbage;
    }

    static ConsistencyReport run(
            ModelAdapter adapter,
            ProbeData data,
            double layerTolerance,
            int trainingBatchSize,
            boolean doublePrecisionCheck,
            boolean measureOutputNoise,
            boolean outputNoiseBand,
            GarbagePolicy garbage) {
        return LayerVerdicts.judgedByOutputs(new Inspection(
                        adapter,
                        data,
                        layerTolerance,
                        doublePrecisionCheck,
                        measureOutputNoise,
                        outputNoiseBand,
                        garbage)
                .run(trainingBatchSize));
    }

    private ConsistencyReport run(int given) {
        // re-batching needs a second read of the data for the inference outputs
        long rebatchTo = data.replayable() ? given : 0;
        Measurement measurement = ConsistencyEngine.measure(
                adapter, data, new ConsistencyEngine.Sweep(true, rebatchTo, data.replayable()), garbage);
        BatchSizeDecision size = decideSize(given, measurement);
        Shifted shifted = withVarianceShifts(given, measurement, size, judgeAt(measurement, size));
        size = shifted.size();
        List<LayerFinding> findings = shifted.findings();
        boolean probeBatchesTaken = size.source() == Reference.BatchSizeSource.PROBE_BATCH_SIZE;
        Reference.Targets targets = measurement.targets(size.size(), probeBatchesTaken);
        boolean trainingPathIsReference = !measurement.rebatched()
                && measurement.probe().batches() == 1
                && measurement.uniformBatchSize() == size.size();
        if (trainingPathIsReference || !data.replayable()) {
            Reference.Kind kind =
                    trainingPathIsReference ? Reference.Kind.TRAINING_PATH : Reference.Kind.TRAINING_PATH_PER_BATCH;
            OutputDivergence raw = measurement.trainingPathOutput();
            Reference reference = new Reference(kind, (int) size.size(), size.source(), targets, size.estimate(), raw);
            return measurement.report(
                    findings,
                    layerTolerance,
                    raw,
                    withPrecisionAndNoise(measurement, findings, raw, reference, size.size()),
                    garbage.collections());
        }
        ReferenceSweep reference = referenceSweep(measurement, findings);
        if (measurement.rebatched()) {
            findings = reference.withDrift(findings);
        }
        OutputDivergence output = reference.outputs.result(measurement.trainingPathOutput());
        return measurement.report(
                findings,
                layerTolerance,
                output,
                withPrecisionAndNoise(
                        measurement,
                        findings,
                        output,
                        new Reference(
                                Reference.Kind.CONVERGED_STATISTICS,
                                (int) size.size(),
                                size.source(),
                                targets,
                                size.estimate(),
                                measurement.trainingPathOutput()),
                        size.size()),
                garbage.collections());
    }

    /** Seeds the noisy sweep's random numbers: the same model and data give the same report. */
    static final long NOISE_SEED = 20261202L;

    /** The training batch size: given, else the probe's, else the size the moving variances fit (see there). */
    private BatchSizeDecision decideSize(int given, Measurement measurement) {
        BatchSizeDecision probeSize = BatchSizeDecision.decide(given, measurement, measurement.firstBatchSize());
        return probeSize.orFittingEstimate(
                judgeAt(measurement, probeSize),
                measurement.probe().batches() == 1,
                n -> measurement.findings(layerTolerance, n, measurement.batchesStandForTraining(n, false)),
                adapter.iterationCount());
    }

    /** The findings after the variance-shift step, and the batch size they are judged at. */
    private record Shifted(BatchSizeDecision size, List<LayerFinding> findings) {}

    /**
     * Layers whose statistics are off while dropout or weight noise sits upstream ({@link ModelAdapter#noiseUpstream})
     * are measured once more: a sweep of the training path that keeps the noise, on a copy sharing the parameters,
     * gives the statistics training normalized. A layer whose moving statistics match those (within tolerance or
     * sampling noise) has a variance shift, not statistics that have not converged. Not given the training batch
     * size, the sweep's own statistics decide it (the moving variances were accumulated with the noise, so only they
     * can say which batch size the moving variances fit), and every layer is judged at that size. Run only then, and
     * on a thread of its own, whose ND4J random generator is seeded there: the user's thread keeps its random stream.
     */
    private Shifted withVarianceShifts(
            int given, Measurement measurement, BatchSizeDecision size, List<LayerFinding> findings) {
        List<List<String>> sources = candidates(findings);
        if (!data.replayable() || sources.stream().allMatch(List::isEmpty)) {
            return new Shifted(size, findings);
        }
        // the probe's own batches (their per-example statistics give targets at any size), or re-batched as before
        long rebatch = measurement.rebatched() ? size.size() : 0;
        ModelAdapter noisy = adapter.withTrainingNoise();
        // begin and end here: the calling thread holds the model's lock, which DL4J's synchronized getters take too
        noisy.begin();
        Measurement withNoise;
        try {
            withNoise = onOwnThread(() -> {
                org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(NOISE_SEED);
                return ConsistencyEngine.measure(
                        noisy, data, new ConsistencyEngine.Sweep(false, rebatch, false), garbage);
            });
        } finally {
            noisy.end();
        }
        BatchSizeDecision noisySize = decideSize(given, withNoise);
        if (noisySize.size() != size.size() && noisySize.source() == Reference.BatchSizeSource.ESTIMATED) {
            size = noisySize; // the moving variances fit training's, with its noise, at this size
            findings = judgeAt(measurement, size);
            sources = candidates(findings);
        }
        boolean probeBatchesTaken = size.source() == Reference.BatchSizeSource.PROBE_BATCH_SIZE;
        List<LayerFinding> training = withNoise.findings(
                layerTolerance, size.size(), withNoise.batchesStandForTraining(size.size(), probeBatchesTaken));
        List<LayerFinding> result = new ArrayList<>(findings);
        for (int s = 0; s < findings.size(); s++) {
            LayerFinding clean = findings.get(s);
            LayerFinding noiseKept = training.get(s);
            if (sources.get(s).isEmpty()
                    || !noiseKept.status().isConverged()
                    || noiseKept.channelCount() != clean.channelCount()
                    || !(noiseKept.maxDivergence() < clean.maxDivergence())) {
                continue; // not closer to the training-time statistics than to inference's
            }
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < clean.channelCount(); c++) {
                double shift = (noiseKept.channels().get(c).batchVariance() + clean.eps())
                        / (clean.channels().get(c).batchVariance() + clean.eps());
                min = Math.min(min, shift);
                max = Math.max(max, shift);
            }
            result.set(
                    s,
                    LayerVerdicts.withVarianceShift(
                            clean,
                            new io.github.bnconsistency.report.VarianceShift(
                                    sources.get(s), noiseKept.maxDivergence(), min, max)));
        }
        return new Shifted(size, result);
    }

    /**
     * Per layer, the noise upstream of it when it is not converged and updates normally; empty for the others. A
     * layer within its noise floor is left so, even beyond the tolerance: one noisy sweep of a small probe (seen:
     * 192 examples) is itself too noisy to tell the two targets apart (D 0.20 against it, 0.18-0.23 against
     * inference's), so a shift hidden in a wide floor needs a larger probe (960 examples found it).
     */
    private List<List<String>> candidates(List<LayerFinding> findings) {
        List<List<String>> sources = new ArrayList<>();
        for (int s = 0; s < findings.size(); s++) {
            LayerFinding f = findings.get(s);
            boolean candidate = f.status() == io.github.bnconsistency.report.LayerStatus.NOT_CONVERGED
                    && f.updateBlocker().isEmpty();
            sources.add(candidate ? adapter.noiseUpstream(adapter.sites().get(s)) : List.of());
        }
        return sources;
    }

    /** Runs {@code work} on a new thread and waits for it, rethrowing what it throws. */
    private static <T> T onOwnThread(java.util.function.Supplier<T> work) {
        Object[] result = new Object[1];
        RuntimeException[] failure = new RuntimeException[1];
        Error[] error = new Error[1];
        Thread thread = new Thread(
                () -> {
                    try {
                        result[0] = work.get();
                    } catch (RuntimeException e) {
                        failure[0] = e;
                    } catch (Error e) {
                        error[0] = e;
                    }
                },
                "bnconsistency-training-noise");
        thread.setDaemon(true);
        thread.start();
        boolean interrupted = false;
        while (true) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the sweep shares the model: wait for it to finish before returning
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        if (error[0] != null) {
            throw error[0];
        }
        @SuppressWarnings("unchecked")
        T value = (T) result[0];
        return value;
    }

    /**
     * The reference with what explains an output difference: float rounding (a DOUBLE copy compared the same way,
     * for FLOAT and HALF models), else the moving average's sampling noise. When every layer's statistics are within
     * their noise on every channel ({@link #withinStatisticsNoise}), that noise is what moves the outputs, and the
     * output noise is measured only when asked for ({@code outputNoiseBand}): the common path stays two passes.
     */
    private Reference withPrecisionAndNoise(
            Measurement measurement,
            List<LayerFinding> findings,
            OutputDivergence output,
            Reference reference,
            long n) {
        Reference checked = reference.withDoublePrecision(doublePrecisionDifference(findings, output));
        if (checked.isFloatRounding()) {
            return checked;
        }
        boolean byStatistics = measureOutputNoise && differs(output) && withinStatisticsNoise(findings);
        checked = checked.withinStatisticsNoise(byStatistics);
        return byStatistics && !outputNoiseBand
                ? checked
                : checked.withNoise(outputNoise(measurement, findings, output, n));
    }

    /**
     * Whether every layer's statistics are within their sampling noise on every channel, whatever the tolerance
     * ({@link LayerFinding#everyChannelWithinNoise()}): each gap is one the noise of the moving average and of the
     * probe's targets makes, so the output difference those gaps cause is that noise's too.
     */
    static boolean withinStatisticsNoise(List<LayerFinding> findings) {
        return !findings.isEmpty() && findings.stream().allMatch(LayerFinding::everyChannelWithinNoise);
    }

    /**
     * The output difference on a DOUBLE copy, run only when it can explain one: a FLOAT/HALF model, outputs that
     * differ beyond {@link Reference#ROUNDING}, every layer within tolerance or noise, data that can be read again.
     * The copy's inference path against a copy of it normalizing with the targets: two passes per batch.
     */
    private Optional<Double> doublePrecisionDifference(List<LayerFinding> findings, OutputDivergence output) {
        DataType type = adapter.dataType();
        boolean lowPrecision = type == DataType.FLOAT || type == DataType.FLOAT16 || type == DataType.BFLOAT16;
        if (!doublePrecisionCheck || !lowPrecision || !unexplainedByLayers(findings, output)) {
            return Optional.empty();
        }
        ModelAdapter inDouble = adapter.doubleCopy();
        snapStoredStatistics(inDouble, findings, type);
        ModelAdapter reference = referenceCopy(inDouble, findings);
        OutputComparison comparison = new OutputComparison();
        data.forEachBatch(batch -> {
            INDArray[] features = inDouble.features(batch);
            INDArray[] referenceOutputs = ConsistencyEngine.run(garbage, reference, features, false, batch, null);
            INDArray[] outputs = ConsistencyEngine.run(garbage, inDouble, features, false, batch, null);
            comparison.add(referenceOutputs, outputs, null, null);
            ConsistencyEngine.release(referenceOutputs);
            ConsistencyEngine.release(outputs);
        });
        return Optional.of(comparison.result().maxAbsDifference());
    }

    /**
     * On the DOUBLE copy, each moving statistic within a few units in the last place of {@code type} of its target
     * is set to the target: storage in {@code type} cannot come closer, so such a gap is rounding too. What remains
     * in DOUBLE is then the statistics' own difference; what goes away, rounding in storage and arithmetic.
     */
    private static void snapStoredStatistics(ModelAdapter inDouble, List<LayerFinding> findings, DataType type) {
        double relative = 4 * (type == DataType.FLOAT ? Math.ulp(1f) : Math.pow(2, -7)); // HALF/BFLOAT16: coarser
        for (int s = 0; s < findings.size(); s++) {
            LayerFinding f = findings.get(s);
            if (!setToTargets(f)) {
                continue;
            }
            double[] mean = new double[f.channels().size()];
            double[] variance = new double[mean.length];
            for (ChannelFinding c : f.channels()) {
                mean[c.channel()] = snapped(c.movingMean(), c.batchMean(), relative, Math.sqrt(c.batchVariance()));
                variance[c.channel()] = snapped(c.movingVariance(), c.batchVariance(), relative, 0);
            }
            inDouble.sites().get(s).writeMovingStatistics(mean, variance);
        }
    }

    private static double snapped(double stored, double target, double relative, double scale) {
        return Math.abs(stored - target) <= relative * Math.max(Math.abs(target), scale) ? target : stored;
    }

    /**
     * Whether the outputs differ by more than {@link Reference#ROUNDING} (below it a model that matches keeps its two
     * or three passes), while every layer's statistics are within tolerance, and the data can be read again for one
     * more sweep. Otherwise a layer's statistics explain the difference: a layer off, or unmeasured, is or may be
     * really off; a layer beyond its tolerance but within its noise differs by sampling noise (at least a twentieth
     * of a batch standard deviation at the default tolerance, far above what float storage changes), which the
     * output noise judges, and a DOUBLE copy would keep that gap.
     */
    private boolean unexplainedByLayers(List<LayerFinding> findings, OutputDivergence output) {
        return differs(output)
                && findings.stream().allMatch(f -> f.status().isConverged() && !(f.maxDivergence() > f.tolerance()))
                && data.replayable();
    }

    private static boolean differs(OutputDivergence output) {
        return output.isMeasured() && output.allFinite() && output.maxAbsDifference() > Reference.ROUNDING;
    }

    /**
     * Whether the output noise can change a verdict: the outputs differ, the data can be read again, and every layer
     * is within tolerance or noise or off in a way its effect on the outputs may judge
     * ({@link LayerVerdicts#judgeableByOutputs}: the outputs show its gap in full, the moving average has
     * forgotten its initial values), so that they may show that gap to be no more than noise
     * ({@link LayerVerdicts#judgedByOutputs}).
     */
    private boolean noiseCanDecide(List<LayerFinding> findings, OutputDivergence output) {
        int iterations = adapter.iterationCount();
        return differs(output)
                && findings.stream().allMatch(f -> LayerVerdicts.convergedOrJudgeableByOutputs(f, iterations))
                && data.replayable();
    }

    /** Whether the reference sets this layer's moving statistics to its targets: measured and updating (not frozen). */
    static boolean setToTargets(LayerFinding f) {
        return !f.frozen() && f.unmeasured().isEmpty() && !f.channels().isEmpty();
    }

    private static double[] targetMeans(LayerFinding f) {
        return f.channels().stream().mapToDouble(ChannelFinding::batchMean).toArray();
    }

    private static double[] targetVariances(LayerFinding f) {
        return f.channels().stream().mapToDouble(ChannelFinding::batchVariance).toArray();
    }

    /**
     * How far sampling noise alone takes the outputs from the reference (see {@link OutputNoise}), measured only when
     * it can change a verdict ({@link #noiseCanDecide}); with a layer off, kept only when the outputs are within it
     * ({@link LayerVerdicts#withinOutputNoise}): otherwise that layer's gap shows, and no output check may put the
     * difference down to noise.
     */
    private Optional<OutputNoise> outputNoise(
            Measurement measurement, List<LayerFinding> findings, OutputDivergence output, long n) {
        if (!measureOutputNoise || !noiseCanDecide(findings, output)) {
            return Optional.empty();
        }
        boolean layerOff = findings.stream().anyMatch(f -> !f.status().isConverged());
        return measuredOutputNoise(measurement, findings, output, n)
                .filter(noise -> !layerOff || LayerVerdicts.withinOutputNoise(output, noise));
    }

    private Optional<OutputNoise> measuredOutputNoise(
            Measurement measurement, List<LayerFinding> findings, OutputDivergence output, long n) {
        NoiseSamples samples =
                measurement.noiseSamples().complete() ? measurement.noiseSamples() : bootstrap(measurement, n);
        List<double[][][]> draws = new ArrayList<>();
        for (int k = 0; k < NoiseSamples.DRAWS; k++) {
            draws.add(draw(measurement, findings, samples, k, n));
        }
        if (draws.stream().allMatch(d -> java.util.Arrays.stream(d).allMatch(java.util.Objects::isNull))) {
            return Optional.empty(); // nothing to perturb: no noise to measure
        }
        return Optional.of(noiseSweep(findings, draws, measurement.probe().batches() == 1 ? output : null));
    }

    /**
     * Draw {@code k}: per site {mean, variance} the targets plus one sampled deviation scaled to the noise between
     * the moving statistics and the targets, {@code sqrt((1 - d)/(1 + d) + n/N)} ({@code N} probe examples; the
     * first term is gone for layers whose statistics do not follow the moving average); null for sites the
     * reference leaves as they are.
     */
    private static double[][][] draw(
            Measurement measurement, List<LayerFinding> findings, NoiseSamples samples, int k, long n) {
        double[][][] draw = new double[findings.size()][][];
        for (int s = 0; s < findings.size(); s++) {
            LayerFinding f = findings.get(s);
            if (!setToTargets(f)) {
                continue;
            }
            double[] mean = targetMeans(f);
            double[] variance = targetVariances(f);
            double[] dm = samples.meanDeviation(k, s, mean);
            double[] dv = samples.varianceDeviation(k, s, variance);
            if (dm == null || dv == null) {
                continue;
            }
            double movingAverage = f.updateBlocker().isEmpty() ? (1 - f.decay()) / (1 + f.decay()) : 0;
            double probe = (double) n / measurement.examples().get(s).examples();
            double scale = Math.sqrt(movingAverage + probe);
            for (int c = 0; c < mean.length; c++) {
                mean[c] += scale * dm[c];
                // a variance strayed below zero (rare: small batches, heavy tails) is held at a small positive share
                variance[c] = Math.max(variance[c] + scale * dv[c], 1e-2 * variance[c]);
            }
            draw[s] = new double[][] {mean, variance};
        }
        return draw;
    }

    /**
     * {@link NoiseSamples#DRAWS} batches of {@code n} examples drawn with replacement from the probe's examples, each
     * on the training path (the probe makes too few training batches to sample from: it is small, so it is held).
     */
    private NoiseSamples bootstrap(Measurement measurement, long n) {
        List<INDArray[]> read = new ArrayList<>();
        data.forEachBatch(batch -> {
            INDArray[] features = adapter.features(batch);
            INDArray[] copy = new INDArray[features.length];
            for (int f = 0; f < features.length; f++) {
                copy[f] = features[f].dup(); // an iterator may reuse its arrays
            }
            read.add(copy);
        });
        INDArray[] all = read.get(0);
        for (int b = 1; b < read.size(); b++) {
            all = Rechunker.concat(all, read.get(b));
        }
        long examples = all[0].size(0);
        List<BatchNormSite> sites = adapter.sites();
        NoiseSamples samples = NoiseSamples.bootstrap(sites.size());
        java.util.Random random = new java.util.Random(20261202L); // the same data gives the same report
        for (int k = 0; k < NoiseSamples.DRAWS; k++) {
            long[] rows = new long[(int) n];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = (long) (random.nextDouble() * examples);
            }
            INDArray[] features = Rechunker.rowsAt(all, rows);
            BatchMoments[] moments = new BatchMoments[sites.size()];
            garbage.beforePass();
            INDArray[] outputs = adapter.run(features, true, (s, input) -> {
                if (measurement.layouts().get(s).isSupported()) {
                    moments[s] =
                            BatchMoments.inPass(input, measurement.layouts().get(s));
                }
            });
            ConsistencyEngine.release(outputs);
            samples.startBatch(n);
            for (int s = 0; s < sites.size(); s++) {
                if (moments[s] != null) {
                    samples.add(s, moments[s]);
                }
            }
        }
        return samples;
    }

    /** Whether the draws of a one-batch probe stop once the rest cannot matter (off only in tests, to compare). */
    static volatile boolean stopDrawsEarly = true;

    /**
     * Per probe batch the reference pass and one inference pass per draw on a second copy, compared. With one probe
     * batch ({@code output} given: the common path) the draws stop as soon as the outputs are within the band however
     * the remaining draws come out ({@link #withinWhateverTheRestGive}): every verdict is the one all
     * {@link NoiseSamples#DRAWS} draws give, the band is measured from the draws run.
     */
    private OutputNoise noiseSweep(List<LayerFinding> findings, List<double[][][]> draws, OutputDivergence output) {
        ModelAdapter reference = referenceCopy(findings);
        ModelAdapter drawn = adapter.statisticsCopy();
        List<OutputComparison> comparisons = new ArrayList<>();
        for (int k = 0; k < draws.size(); k++) {
            comparisons.add(new OutputComparison());
        }
        int[] ran = {draws.size()};
        data.forEachBatch(batch -> {
            INDArray[] features = adapter.features(batch);
            INDArray[] referenceOutputs = ConsistencyEngine.run(garbage, reference, features, false, batch, null);
            for (int k = 0; k < draws.size(); k++) {
                double[][][] draw = draws.get(k);
                for (int s = 0; s < draw.length; s++) {
                    if (draw[s] != null) {
                        drawn.sites().get(s).writeMovingStatistics(draw[s][0], draw[s][1]);
                    }
                }
                INDArray[] drawOutputs = ConsistencyEngine.run(garbage, drawn, features, false, batch, null);
                comparisons.get(k).add(referenceOutputs, drawOutputs, batch.labels(), null);
                ConsistencyEngine.release(drawOutputs);
                if (output != null
                        && stopDrawsEarly
                        && withinWhateverTheRestGive(output, results(comparisons.subList(0, k + 1)), draws.size())) {
                    ran[0] = k + 1;
                    break;
                }
            }
            ConsistencyEngine.release(referenceOutputs);
        });
        return band(results(comparisons.subList(0, ran[0])), ran[0]);
    }

    private static List<OutputDivergence> results(List<OutputComparison> comparisons) {
        return comparisons.stream().map(OutputComparison::result).toList();
    }

    /**
     * Whether {@code output} is within the band of {@code total} draws whatever the ones not yet run give: within the
     * band of the draws run with the others counted as moving nothing ({@link #band}), which no outcome of theirs
     * can narrow (every order statistic and mean count can only grow with them), by every measure the checks use
     * ({@link LayerVerdicts#withinOutputNoise}). False while the draws not yet run are enough to set the median to 0
     * (at least half of them), and when all have run (nothing is left to save).
     */
    static boolean withinWhateverTheRestGive(OutputDivergence output, List<OutputDivergence> run, int total) {
        return run.size() < total && LayerVerdicts.withinOutputNoise(output, band(run, total));
    }

    /**
     * The output noise of {@code total} draws from the results of those run, the others (if fewer ran) counted as
     * moving nothing: three times the median max difference, changed-prediction share and accuracy gap, the counts
     * at least {@link #countAllowance} of the draws' mean count.
     */
    static OutputNoise band(List<OutputDivergence> run, int total) {
        double[] maxAbs = new double[total];
        double[] disagreement = new double[total];
        double[] gap = new double[total];
        double flips = 0;
        double gapCount = 0;
        long classified = 0;
        long labelled = 0;
        for (int k = 0; k < total; k++) {
            OutputDivergence d = run.get(Math.min(k, run.size() - 1));
            boolean ran = k < run.size();
            maxAbs[k] = ran ? d.maxAbsDifference() : 0;
            disagreement[k] = !d.isClassifier() ? Double.NaN : ran ? 1 - d.argmaxAgreement() : 0;
            gap[k] = d.labelledExamples() == 0
                    ? Double.NaN
                    : ran ? Math.abs(d.trainingAccuracy() - d.inferenceAccuracy()) : 0;
            classified = d.classifiedExamples();
            labelled = d.labelledExamples();
            if (ran) {
                flips += (double) (d.classifiedExamples() - d.argmaxAgreements()) / total;
                gapCount += (double) Math.abs(d.trainingCorrect() - d.inferenceCorrect()) / total;
            }
        }
        double f = OutputNoise.ALLOWANCE_FACTOR;
        return new OutputNoise(
                run.size(),
                median(maxAbs),
                f * median(maxAbs),
                median(disagreement),
                classified == 0
                        ? Double.NaN
                        : Math.max(f * median(disagreement), (double) countAllowance(flips) / classified),
                labelled == 0 ? Double.NaN : Math.max(f * median(gap), (double) countAllowance(gapCount) / labelled));
    }

    /**
     * Changed predictions are counts, rare ones among many examples: the 99% point of a Poisson count with the draws'
     * mean (at least half an example, so that draws that changed none still allow for the one a reference of a
     * limited probe may change), so a median of 0 does not make one changed prediction a failure.
     */
    static int countAllowance(double meanCount) {
        double lambda = Math.max(meanCount, 0.5);
        double term = Math.exp(-lambda);
        double cumulative = term;
        int k = 0;
        while (cumulative < 0.99) {
            k++;
            term *= lambda / k;
            cumulative += term;
        }
        return k;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int m = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
    }

    /**
     * A copy with each measured, updating layer's moving statistics set to its target (frozen layers keep
     * theirs: they normalize with them in training too).
     */
    private ModelAdapter referenceCopy(List<LayerFinding> findings) {
        return referenceCopy(adapter, findings);
    }

    /** A copy of {@code base} normalizing with the targets (see {@link #setToTargets}). */
    private static ModelAdapter referenceCopy(ModelAdapter base, List<LayerFinding> findings) {
        ModelAdapter reference = base.statisticsCopy();
        List<BatchNormSite> sites = reference.sites();
        for (int s = 0; s < sites.size(); s++) {
            LayerFinding f = findings.get(s);
            if (setToTargets(f)) {
                sites.get(s).writeMovingStatistics(targetMeans(f), targetVariances(f));
            }
        }
        return reference;
    }

    private List<LayerFinding> judgeAt(Measurement measurement, BatchSizeDecision size) {
        boolean probeBatchesTaken = size.source() == Reference.BatchSizeSource.PROBE_BATCH_SIZE;
        return measurement.findings(
                layerTolerance, size.size(), measurement.batchesStandForTraining(size.size(), probeBatchesTaken));
    }

    /** What the reference sweep measured: outputs against the reference, and input drift when re-batched. */
    private static final class ReferenceSweep {
        final OutputComparison outputs = new OutputComparison();
        final double[][] squaredDrift;
        final long[] values;

        ReferenceSweep(List<BatchNormSite> sites) {
            squaredDrift = new double[sites.size()][];
            values = new long[sites.size()];
            for (int s = 0; s < sites.size(); s++) {
                squaredDrift[s] = new double[sites.get(s).channels()];
            }
        }

        /** The findings with the drift measured against the reference inputs (re-batched training inputs do not align). */
        List<LayerFinding> withDrift(List<LayerFinding> findings) {
            List<LayerFinding> result = new ArrayList<>();
            for (int s = 0; s < findings.size(); s++) {
                LayerFinding f = findings.get(s);
                List<ChannelFinding> channels = new ArrayList<>();
                for (ChannelFinding c : f.channels()) {
                    double rms = values[s] == 0 ? Double.NaN : Math.sqrt(squaredDrift[s][c.channel()] / values[s]);
                    channels.add(c.withInferenceInputDrift(rms / Math.sqrt(c.batchVariance() + f.eps())));
                }
                result.add(f.withChannels(channels));
            }
            return result;
        }
    }

    /** The reference pass: the reference copy run on the inference path next to the model's inference outputs. */
    private ReferenceSweep referenceSweep(Measurement measurement, List<LayerFinding> findings) {
        ModelAdapter reference = referenceCopy(findings);
        List<BatchNormSite> sites = reference.sites();
        ReferenceSweep sweep = new ReferenceSweep(adapter.sites());
        int[] index = {0};
        data.forEachBatch(batch -> {
            INDArray[] features = adapter.features(batch);
            boolean drift = measurement.rebatched();
            DriftSample[] samples = new DriftSample[sites.size()];
            INDArray[] referenceOutputs = ConsistencyEngine.run(
                    garbage,
                    reference,
                    features,
                    false,
                    batch,
                    !drift
                            ? null
                            : (s, input) -> {
                                if (measurement.layouts().get(s).isSupported()) {
                                    samples[s] = DriftSample.of(
                                            input, measurement.layouts().get(s));
                                }
                            });
            List<INDArray[]> kept = measurement.inferenceOutputs();
            INDArray[] inferenceOutputs = index[0] < kept.size() ? kept.get(index[0]) : null;
            NonFiniteWatch watch = new NonFiniteWatch(adapter);
            boolean rerun = inferenceOutputs == null || drift;
            if (rerun) {
                inferenceOutputs = ConsistencyEngine.run(garbage, adapter, features, false, batch, (s, input) -> {
                    DriftSample sample = samples[s];
                    double[] d = null;
                    if (sample != null) {
                        samples[s] = null;
                        d = sample.squaredDriftSums(input, measurement.layouts().get(s));
                        for (int c = 0; c < d.length; c++) {
                            sweep.squaredDrift[s][c] += d[c];
                        }
                        sweep.values[s] += input.length() / d.length;
                    }
                    watch.input(s, input, measurement.layouts().get(s), d);
                });
            }
            // Outputs kept from the first read were traced there (the result's fallback): no pass that keeps every
            // activation to trace them again (it set ResNet50's memory peak on 20 batches).
            sweep.outputs.add(
                    referenceOutputs,
                    inferenceOutputs,
                    batch.labels(),
                    rerun ? () -> watch.firstNonFinite(features) : null);
            ConsistencyEngine.release(referenceOutputs);
            ConsistencyEngine.release(inferenceOutputs);
            if (index[0] < kept.size()) {
                kept.set(index[0], null); // compared: nothing of the batch is held any longer
            }
            index[0]++;
        });
        return sweep;
    }
}
