package io.github.bnconsistency.report;

import static io.github.bnconsistency.report.Numbers.number;
import static io.github.bnconsistency.report.Numbers.percent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders a {@link ConsistencyReport} as text, one fact a line, most important first: the root cause, a
 * per-layer table, what to do, what was checked. Assertion messages and the JUnit extension use the same
 * pieces, so they read the same.
 *
 * <pre>{@code
 * System.out.println(TextReport.render(BatchNormInspector.inspect(model, data)));
 * }</pre>
 */
public final class TextReport {

    /** An input drift (in batch standard deviations) beyond which activations have blown up, not merely drifted. */
    static final double BLOW_UP = 1e3;

    /** Table rows shown before the rest is summarized in one line. */
    static final int MAX_TABLE_ROWS = 30;

    private TextReport() {}

    /**
     * The whole report: the output comparison, then the layer diagnosis.
     *
     * @param report the report
     * @return the text, several lines
     */
    public static String render(ConsistencyReport report) {
        String outputs = report.output().isMeasured()
                ? "Inference vs training outputs: " + outputSummary(report) + "."
                : "Inference vs training outputs: not compared (training path only).";
        return outputs + "\n" + diagnosis(report);
    }

    /**
     * The end-to-end comparison in one phrase, e.g. {@code max |train - inference| was 0.91 (mean 0.3;
     * argmax agreement 4/12; training acc 100%, inference acc 33%)}.
     *
     * @param output the output comparison
     * @return the phrase
     */
    public static String outputSummary(OutputDivergence output) {
        return outputSummary(output, "train", "training");
    }

    /**
     * The report's output comparison in one phrase, naming what the inference outputs were compared with: the
     * training path ({@code |train - inference|}) or the converged reference ({@code |reference - inference|}).
     *
     * @param report the report
     * @return one line: the comparison made, its max and mean difference and argmax agreement
     */
    public static String outputSummary(ConsistencyReport report) {
        boolean converged = report.reference().kind() == Reference.Kind.CONVERGED_STATISTICS;
        return converged
                ? outputSummary(report.output(), "reference", "reference")
                : outputSummary(report.output(), "train", "training");
    }

    private static String outputSummary(OutputDivergence output, String against, String accuracyOf) {
        StringBuilder sb = new StringBuilder();
        if (!output.allFinite()) {
            sb.append(output.nonFiniteInferenceValues())
                    .append(" inference and ")
                    .append(output.nonFiniteTrainingValues())
                    .append(" training output values were NaN or infinite");
            output.firstNonFiniteLayer()
                    .ifPresent(layer -> sb.append(" (at inference the first non-finite activation is at ")
                            .append(layer)
                            .append(')'));
            if (Double.isNaN(output.meanAbsDifference())) {
                return sb.toString();
            }
            sb.append("; over the finite values mean |" + against + " - inference| was ")
                    .append(number(output.meanAbsDifference()));
        } else {
            sb.append("max |" + against + " - inference| was ")
                    .append(number(output.maxAbsDifference()))
                    .append(" (mean ")
                    .append(number(output.meanAbsDifference()));
        }
        if (output.isClassifier()) {
            sb.append("; argmax agreement ")
                    .append(output.argmaxAgreements())
                    .append('/')
                    .append(output.classifiedExamples());
        }
        if (output.labelledExamples() > 0) {
            sb.append("; " + accuracyOf + " acc ")
                    .append(percent(output.trainingAccuracy()))
                    .append(", inference acc ")
                    .append(percent(output.inferenceAccuracy()));
        }
        output.ignoredLabels().ifPresent(reason -> sb.append("; ").append(reason));
        if (output.allFinite()) {
            sb.append(')');
        }
        return sb.toString();
    }

    /**
     * The layer diagnosis: root cause, how many layers diverge, the per-layer table, the fix, and what was
     * checked. Each line ends with a newline except the last.
     *
     * @param report the report
     * @return the diagnosis, several lines
     */
    public static String diagnosis(ConsistencyReport report) {
        List<String> lines = new ArrayList<>();
        if (!report.hasBatchNormLayers()) {
            lines.add("The " + report.modelType() + " has no BatchNormalization layer, so moving statistics cannot be "
                    + "the cause of any difference between training and inference.");
            lines.add(probeLine(report));
            return String.join("\n", lines);
        }
        List<LayerFinding> diverging = report.divergingLayers();
        report.rootCause()
                .ifPresentOrElse(
                        root -> lines.add("Root cause: " + root.name() + " (BN layer " + root.position() + " of "
                                + report.layers().size() + ", " + root.location() + ") "
                                + rootCausePhrase(root)
                                + "."),
                        () -> {
                            if (!diverging.isEmpty()) {
                                lines.add(FROZEN_ONLY);
                            }
                        });
        long unsupported = count(report, LayerStatus.UNSUPPORTED);
        long noise = count(report, LayerStatus.WITHIN_NOISE);
        long byOutputs = report.layers().stream()
                .filter(LayerFinding::withinNoiseByOutputs)
                .count();
        String counts = (noise > 0
                        ? "; " + noise + " within sampling noise"
                                + (byOutputs > 0 ? " (" + byOutputs + " by their effect on the outputs)" : "")
                        : "")
                + (unsupported > 0 ? "; " + unsupported + " could not be measured on this data" : "");
        List<String> table = table(report);
        if (diverging.isEmpty() && unsupported == 0) {
            lines.add((report.layers().size() == 1
                            ? "The BatchNormalization layer has"
                            : "All " + report.layers().size() + " BatchNormalization layers have")
                    + " converged moving statistics "
                    + "(layer tolerance " + number(report.layerTolerance()) + ")" + counts
                    + (table.size() > 1 ? ":" : "."));
        } else {
            lines.add(diverging.size() + " of " + report.layers().size() + " BatchNormalization layers diverge (layer "
                    + "tolerance " + number(report.layerTolerance()) + ")" + counts + ":");
        }
        if (table.size() > 1) {
            lines.addAll(table);
        }
        report.rootCause().ifPresent(root -> {
            double drift = report.layers().stream()
                    .filter(l -> l.position() > root.position())
                    .mapToDouble(LayerFinding::maxInferenceInputDrift)
                    .filter(d -> !Double.isNaN(d))
                    .max()
                    .orElse(0);
            if (drift > BLOW_UP) {
                lines.add("Layers after " + root.name() + " inherit its drift, and inference activations blow up "
                        + "downstream (input drift up to " + number(drift) + " sd).");
            } else if (drift > report.layerTolerance()) {
                lines.add(
                        "Layers after " + root.name() + " also receive drifted inputs at inference (input drift up to "
                                + number(drift) + " sd), inherited from it.");
            }
        });
        lines.addAll(lintLines(report));
        if (!report.fixes().isEmpty()) {
            lines.add("Fix: " + report.fixText());
        }
        lines.add(probeLine(report));
        return String.join("\n", lines);
    }

    private static String rootCausePhrase(LayerFinding root) {
        if (root.status() == LayerStatus.CORRUPTED) {
            return "stored moving statistics are corrupted (NaN, infinite or negative variance) in channels "
                    + root.corruptedChannels();
        }
        return root.varianceShift()
                .filter(shift -> root.status() == LayerStatus.VARIANCE_SHIFT)
                .map(shift -> "moving statistics match training with its noise active, not inference (a variance "
                        + "shift): " + varianceShiftPhrase(shift) + ", and the moving variance is "
                        + number(root.minVarianceRatio()) + ".." + number(root.maxVarianceRatio())
                        + "x the inference-time one (the table's var ratio); against inference's statistics "
                        + worstChannelPhrase(root))
                .orElseGet(() -> "moving statistics have not converged: " + worstChannelPhrase(root));
    }

    /**
     * E.g. {@code drop1 (DropoutLayer, layer index 1: dropout, retain probability 0.5) makes the training-time
     * variance 2.1..2.9x the inference-time one (D 0.021 against the training-time statistics)}.
     *
     * @param shift the variance shift
     * @return the phrase
     */
    public static String varianceShiftPhrase(VarianceShift shift) {
        return String.join(", ", shift.sources()) + (shift.sources().size() == 1 ? " makes" : " make")
                + " the training-time variance " + number(shift.minShift()) + ".." + number(shift.maxShift())
                + "x the inference-time one (D " + number(shift.trainingDivergence())
                + " against the training-time statistics)";
    }

    /**
     * E.g. {@code D 4.7 at channel 3 (mean off by 2.2 sd, variance ratio 0.006)}.
     *
     * @param layer the layer
     * @return the phrase
     */
    public static String worstChannelPhrase(LayerFinding layer) {
        ChannelFinding worst = layer.worstChannel();
        if (worst == null) {
            return "no channel measured";
        }
        return "D " + number(worst.divergence()) + " at channel " + worst.channel() + " (whose mean is off by "
                + number(worst.meanShift()) + " sd and variance ratio is " + number(worst.varianceRatio()) + "; "
                + layer.channelsOff() + " of " + layer.channelCount() + " channels over " + number(layer.tolerance())
                + ")";
    }

    /** Layers named in one "Why:" line before the rest are counted. */
    static final int MAX_NAMED_LAYERS = 4;

    /** One "Why:" line per distinct finding, naming the layers it concerns (all of them, or the first few). */
    private static List<String> lintLines(ConsistencyReport report) {
        Map<String, List<String>> layersByFinding = new LinkedHashMap<>();
        for (LintFinding finding : report.lint()) {
            layersByFinding
                    .computeIfAbsent(finding.message() + " Fix: " + finding.fix(), k -> new ArrayList<>())
                    .add(finding.layer());
        }
        List<String> lines = new ArrayList<>();
        layersByFinding.forEach((text, layers) ->
                lines.add("Why: " + layerList(layers, report.layers().size()) + ": " + text));
        return lines;
    }

    private static String layerList(List<String> layers, int total) {
        if (layers.size() <= MAX_NAMED_LAYERS) {
            return String.join(", ", layers);
        }
        String first = String.join(", ", layers.subList(0, MAX_NAMED_LAYERS - 1));
        return (layers.size() == total
                ? "all " + total + " layers (" + first + ", ...)"
                : first + " and " + (layers.size() - MAX_NAMED_LAYERS + 1) + " more layers");
    }

    private static long count(ConsistencyReport report, LayerStatus status) {
        return report.layers().stream().filter(l -> l.status() == status).count();
    }

    private static final String FROZEN_ONLY = "Only frozen layers diverge; they normalize with their moving "
            + "statistics in training too, so they do not make inference differ from training, but their statistics do "
            + "not match this data.";

    private static List<String> table(ConsistencyReport report) {
        List<LayerFinding> rows = report.layers().stream()
                .filter(l ->
                        l.status() != LayerStatus.CONVERGED || l.maxInferenceInputDrift() > report.layerTolerance())
                .toList();
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {
            "layer",
            "off",
            "channels off",
            "D (max)",
            "max mean shift",
            "var ratio",
            "input drift",
            "noise",
            "updates needed"
        });
        for (LayerFinding l : rows.subList(0, Math.min(rows.size(), MAX_TABLE_ROWS))) {
            cells.add(row(l));
        }
        if (rows.isEmpty()) {
            return List.of();
        }
        List<String> lines = format(cells);
        if (rows.size() > MAX_TABLE_ROWS) {
            lines.add("  ... and " + (rows.size() - MAX_TABLE_ROWS) + " more layers (see the report's layers())");
        }
        long hidden = report.layers().size() - rows.size();
        if (hidden > 0) {
            lines.add("  (" + hidden + " converged layer" + (hidden == 1 ? "" : "s") + " not shown)");
        }
        return lines;
    }

    private static String[] row(LayerFinding l) {
        if (l.status() == LayerStatus.UNSUPPORTED) {
            return new String[] {
                l.name(),
                "?",
                "-",
                "-",
                "-",
                "-",
                "-",
                "-",
                "not measured: " + l.unmeasured().orElse("")
            };
        }
        String updates = switch (l.updatesNeeded().kind()) {
            case NONE -> "0";
            case ESTIMATE -> "~" + l.updatesNeeded().iterations() + " @" + number(l.decay());
            case NEVER -> "never (" + l.updatesNeeded().reason() + ")";
        };
        String off = switch (l.status()) {
            case NOT_CONVERGED -> "yes";
            case VARIANCE_SHIFT -> "shift";
            case CORRUPTED -> "corrupted";
            case WITHIN_NOISE -> l.withinNoiseByOutputs() ? "noise (outputs)" : "noise";
            default -> "no";
        };
        return new String[] {
            l.name() + (l.frozen() ? " (frozen)" : ""),
            off,
            l.channelsOff() + "/" + l.channelCount(),
            number(l.maxDivergence()),
            number(l.maxMeanShift()) + " sd",
            number(l.minVarianceRatio()) + ".." + number(l.maxVarianceRatio()),
            Double.isNaN(l.maxInferenceInputDrift()) ? "n/a" : number(l.maxInferenceInputDrift()),
            l.noiseFloor() > 0 ? number(l.noiseFloor()) : "-",
            updates
        };
    }

    private static List<String> format(List<String[]> cells) {
        int[] widths = new int[cells.get(0).length];
        for (String[] row : cells) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        List<String> lines = new ArrayList<>();
        for (String[] row : cells) {
            StringBuilder sb = new StringBuilder("  ");
            for (int i = 0; i < row.length; i++) {
                sb.append(row[i]);
                if (i < row.length - 1) {
                    sb.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            lines.add(sb.toString());
        }
        return lines;
    }

    private static String probeLine(ConsistencyReport report) {
        ProbeSummary probe = report.probe();
        return "Checked on " + probe.batches() + (probe.batches() == 1 ? " batch, " : " batches, ") + probe.examples()
                + (probe.examples() == 1 ? " example" : " examples") + " (" + probe.source() + ", first batch "
                + probe.firstBatchShape() + "); " + report.modelType() + ", " + report.dataType() + "."
                + garbageSentence(probe)
                + referenceSentence(report);
    }

    /** The collections the check made, which a user may wonder about in a profile. */
    private static String garbageSentence(ProbeSummary probe) {
        int n = probe.garbageCollections();
        return n == 0
                ? ""
                : " " + n + " garbage collection" + (n == 1 ? "" : "s") + " kept off-heap memory flat (DL4J's passes"
                        + " leave arrays only a collection frees; InspectionOptions.withoutGarbageCollection() turns"
                        + " them off).";
    }

    /** What the statistics and outputs were judged against, when it is not plainly the probe's own batch. */
    private static String referenceSentence(ConsistencyReport report) {
        Reference reference = report.reference();
        String size = " Judged at training batch size " + reference.trainingBatchSize()
                + switch (reference.batchSizeSource()) {
                    case GIVEN -> " (given)";
                    case PROBE_BATCH_SIZE -> " (the probe's batch size)";
                    case ESTIMATED ->
                        reference
                                .estimate()
                                .map(e -> " (not given; estimated: the moving variances of " + e.layer()
                                        + " fit batches of " + number(e.low()) + ".." + number(e.high())
                                        + " examples, not the probe's, and at that size every layer is within "
                                        + "tolerance or noise: a batch-size mismatch, not statistics that need "
                                        + "more training; pass the training batch size, trainedWithBatchSize(n) "
                                        + "or @BatchNormConsistency(trainingBatchSize), for a sharper check)")
                                .orElse(" (estimated)");
                    case FITS_SMALLER ->
                        " (not given; at the probe's batch size some layer is off, while at this smaller size every"
                                + " layer is within tolerance or noise, and the moving variances cannot tell the size:"
                                + " if you train with the probe's batch size, pass it, trainedWithBatchSize(n) or"
                                + " @BatchNormConsistency(trainingBatchSize), and the check judges there)";
                }
                + switch (reference.targets()) {
                    case PROBE_BATCHES -> "";
                    case REBATCHED -> ", the probe's examples re-batched to that size";
                    case PER_EXAMPLE ->
                        reference.batchSizeSource() == Reference.BatchSizeSource.ESTIMATED
                                        || reference.batchSizeSource() == Reference.BatchSizeSource.FITS_SMALLER
                                ? ", the targets from per-example statistics"
                                : ", the targets from per-example statistics (the probe's batches have another size "
                                        + "and the data can be read only once)";
                };
        // only for one probe batch far larger than the fit (a whole validation set as one DataSet): the estimate
        // runs low on real models (see Reference.BatchSizeEstimate), so it must not nag a probe at the training size
        boolean oneLargeBatch = report.probe().batches() == 1
                && reference
                        .estimate()
                        .filter(e -> reference.trainingBatchSize() > 2 * e.high())
                        .isPresent();
        String hint = reference.batchSizeSource() == Reference.BatchSizeSource.PROBE_BATCH_SIZE
                        && oneLargeBatch
                        && reference.estimateRulesOutTrainingBatchSize()
                ? reference
                        .estimate()
                        .map(
                                e -> " The moving variances of "
                                        + e.layer() + " fit batches of " + number(e.low()) + ".." + number(e.high())
                                        + " examples better "
                                        + "than the probe's " + reference.trainingBatchSize()
                                        + ": if you train with another batch size, "
                                        + "pass it (InspectionOptions.withTrainingBatchSize, @BatchNormConsistency(trainingBatchSize)).")
                        .orElse("")
                : "";
        return referenceKindSentence(report, size, hint) + precisionSentence(report) + noiseSentence(report);
    }

    /** What the double-precision re-check found, when it ran. */
    static String precisionSentence(ConsistencyReport report) {
        return report.reference()
                .doublePrecision()
                .map(d -> report.reference().isFloatRounding()
                        ? " In double precision (a DOUBLE copy) the difference is " + number(d) + ": float rounding "
                                + "through " + report.layers().size()
                                + " BatchNormalization layers, not the statistics."
                        : " In double precision (a DOUBLE copy) the difference persists (" + number(d)
                                + "): not float rounding.")
                .orElse("");
    }

    /**
     * How far sampling noise alone takes the outputs from the reference, when it was measured, e.g. {@code Sampling
     * noise alone (8 draws ...) moves the outputs by 0.1 (median max |difference|): up to 0.3 counts as noise.}
     */
    static String noiseSentence(ConsistencyReport report) {
        return statisticsNoiseSentence(report) + bandSentence(report);
    }

    /** When the statistics themselves put the output difference down to noise. */
    private static String statisticsNoiseSentence(ConsistencyReport report) {
        // with a measured band, the band decides (and its own sentence says so)
        return report.reference().withinStatisticsNoise()
                        && report.reference().noise().isEmpty()
                ? " Every layer's statistics are within their sampling noise on every channel, so the output difference"
                        + " is what that noise does to the outputs: output checks count it as noise (how far noise"
                        + " alone can move them was not measured: InspectionOptions.withOutputNoiseBand() measures it)."
                : "";
    }

    private static String bandSentence(ConsistencyReport report) {
        return report.reference()
                .noise()
                .map(n -> " Sampling noise alone (" + n.draws() + " copies whose moving statistics stray as far as the "
                        + "decay, the training batch size and the probe's "
                        + report.probe().examples()
                        + " examples make them) moves the outputs from the reference by "
                        + number(n.medianMaxAbsDifference())
                        + " (median max |difference|): output checks count up to " + number(n.maxAbsDifference())
                        + " as noise"
                        + (Double.isNaN(n.medianDisagreement())
                                ? ""
                                : ", and up to " + percent(n.disagreement()) + " of predictions changed (median "
                                        + percent(n.medianDisagreement()) + ")")
                        + (Double.isNaN(n.accuracyGap()) ? "" : ", accuracy gaps up to " + percent(n.accuracyGap()))
                        + "; it is measured only when every layer's statistics are within tolerance or their noise "
                        + "floor, or off in a way only the outputs can judge (a moving average lagging weights that "
                        + "still move, say), and some channel strays beyond its floor (or the band was asked for).")
                .orElse("");
    }

    private static String referenceKindSentence(ConsistencyReport report, String size, String hint) {
        Reference reference = report.reference();
        return switch (reference.kind()) {
            case TRAINING_PATH, NONE ->
                (reference.batchSizeSource() == Reference.BatchSizeSource.PROBE_BATCH_SIZE
                                        && reference.targets() == Reference.Targets.PROBE_BATCHES
                                ? ""
                                : size + ".")
                        + hint;
            case CONVERGED_STATISTICS ->
                size + "; outputs compared with a copy normalizing with the target statistics"
                        + (reference.trainingPath().isMeasured()
                                ? " (each probe batch's own training path differs by up to "
                                        + number(reference.trainingPath().maxAbsDifference())
                                        + ": batch noise, not judged)"
                                : "")
                        + "." + hint;
            case TRAINING_PATH_PER_BATCH ->
                size + "; outputs compared with each probe batch's own training path, batch "
                        + "noise included, because the data can be read only once." + hint;
        };
    }
}
