package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.OutputDivergence;
import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Accumulates the end-to-end comparison of training-path and inference-path outputs over probe batches. */
final class OutputComparison {

    private long examples;
    private long compared;
    private double maxDifference;
    private double sumDifference;
    private long finitePairs;
    private long nonFiniteTraining;
    private long nonFiniteInference;
    private Optional<String> firstNonFiniteLayer = Optional.empty();
    private long classified;
    private long agreements;
    private long labelled;
    private long trainingCorrect;
    private long inferenceCorrect;
    private Optional<String> ignoredLabels = Optional.empty();

    /**
     * @param training  training-path outputs, one per network output
     * @param inference inference-path outputs
     * @param labels    labels per network output, or null
     * @param firstNonFinite where the inference path's non-finite values start, asked only when there are some;
     *                       null when not at hand
     */
    void add(
            INDArray[] training,
            INDArray[] inference,
            INDArray[] labels,
            java.util.function.Supplier<Optional<String>> firstNonFinite) {
        examples += training[0].size(0);
        long inferenceNonFiniteBefore = nonFiniteInference;
        for (int o = 0; o < training.length; o++) {
            compareValues(training[o], inference[o]);
            if (training[o].rank() == 2 && training[o].size(1) > 1) {
                INDArray label = labels == null || o >= labels.length ? null : labels[o];
                compareClasses(training[o], inference[o], label);
            }
        }
        if (nonFiniteInference > inferenceNonFiniteBefore && firstNonFiniteLayer.isEmpty() && firstNonFinite != null) {
            firstNonFiniteLayer = firstNonFinite.get();
        }
    }

    private void compareValues(INDArray training, INDArray inference) {
        double[] t = flat(training);
        double[] i = flat(inference);
        for (int k = 0; k < t.length; k++) {
            boolean trainingFinite = Double.isFinite(t[k]);
            boolean inferenceFinite = Double.isFinite(i[k]);
            if (!trainingFinite) {
                nonFiniteTraining++;
            }
            if (!inferenceFinite) {
                nonFiniteInference++;
            }
            if (trainingFinite && inferenceFinite) {
                double d = Math.abs(t[k] - i[k]);
                maxDifference = Math.max(maxDifference, d);
                sumDifference += d;
                finitePairs++;
            }
        }
        compared += t.length;
    }

    private void compareClasses(INDArray training, INDArray inference, INDArray labels) {
        long[] t = argmax(training);
        long[] i = argmax(inference);
        long[] l = null;
        if (labels != null && java.util.Arrays.equals(labels.shape(), training.shape())) {
            l = argmax(labels);
        } else if (labels != null && ignoredLabels.isEmpty()) {
            // not an error (the output need not be what the labels describe), but never silent
            ignoredLabels = Optional.of(
                    "labels of shape " + java.util.Arrays.toString(labels.shape()) + " do not match outputs of "
                            + "shape " + java.util.Arrays.toString(training.shape()) + ", so no accuracy");
        }
        for (int row = 0; row < t.length; row++) {
            classified++;
            if (t[row] >= 0 && t[row] == i[row]) {
                agreements++;
            }
            if (l != null) {
                labelled++;
                if (t[row] >= 0 && t[row] == l[row]) {
                    trainingCorrect++;
                }
                if (i[row] >= 0 && i[row] == l[row]) {
                    inferenceCorrect++;
                }
            }
        }
    }

    /** Row-wise argmax; -1 for a row with NaN, which never counts as agreeing or correct. */
    private static long[] argmax(INDArray matrix) {
        int rows = (int) matrix.size(0);
        int columns = (int) matrix.size(1);
        double[] values = flat(matrix);
        long[] result = new long[rows];
        for (int r = 0; r < rows; r++) {
            int best = -1;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < columns; c++) {
                double v = values[r * columns + c];
                if (Double.isNaN(v)) {
                    best = -1;
                    break;
                }
                if (best < 0 || v > bestValue) {
                    best = c;
                    bestValue = v;
                }
            }
            result[r] = best;
        }
        return result;
    }

    private static double[] flat(INDArray array) {
        return array.castTo(DataType.DOUBLE).dup('c').reshape(array.length()).toDoubleVector();
    }

    /** The result; where non-finite values start is taken from {@code fallback} when no pass was at hand. */
    OutputDivergence result(OutputDivergence fallback) {
        OutputDivergence result = result();
        if (result.nonFiniteInferenceValues() > 0
                && result.firstNonFiniteLayer().isEmpty()
                && fallback.firstNonFiniteLayer().isPresent()) {
            return result.withFirstNonFiniteLayer(fallback.firstNonFiniteLayer());
        }
        return result;
    }

    OutputDivergence result() {
        boolean allFinite = nonFiniteTraining == 0 && nonFiniteInference == 0;
        return new OutputDivergence(
                examples,
                compared,
                allFinite ? maxDifference : Double.POSITIVE_INFINITY,
                finitePairs == 0 ? Double.NaN : sumDifference / finitePairs,
                nonFiniteTraining,
                nonFiniteInference,
                firstNonFiniteLayer,
                classified,
                agreements,
                labelled,
                trainingCorrect,
                inferenceCorrect,
                ignoredLabels);
    }
}
