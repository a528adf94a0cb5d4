package io.github.bnconsistency.report;

import java.util.Objects;
import java.util.Optional;

/**
 * End-to-end comparison of the network outputs from the training path and the inference path, over all
 * probe data.
 *
 * @param examples                 examples compared
 * @param comparedValues           output values compared
 * @param maxAbsDifference         max {@code |y_train - y_inference|}; +Infinity when either path has a
 *                                 non-finite output
 * @param meanAbsDifference        mean {@code |y_train - y_inference|} over the pairs where both are finite
 * @param nonFiniteTrainingValues  NaN or infinite values among the training-path outputs
 * @param nonFiniteInferenceValues NaN or infinite values among the inference-path outputs
 * @param firstNonFiniteLayer      the first layer whose inference-path activations are not finite, if any
 * @param classifiedExamples       examples whose outputs are class scores (rank 2, more than one column)
 * @param argmaxAgreements         of those, how many have the same argmax on both paths
 * @param labelledExamples         classified examples that came with labels
 * @param trainingCorrect          of those, how many the training path classifies correctly
 * @param inferenceCorrect         of those, how many the inference path classifies correctly
 * @param ignoredLabels            why labels that came with the data were not used (their shape does not match the
 *                                 class scores), if any
 */
public record OutputDivergence(
        long examples,
        long comparedValues,
        double maxAbsDifference,
        double meanAbsDifference,
        long nonFiniteTrainingValues,
        long nonFiniteInferenceValues,
        Optional<String> firstNonFiniteLayer,
        long classifiedExamples,
        long argmaxAgreements,
        long labelledExamples,
        long trainingCorrect,
        long inferenceCorrect,
        Optional<String> ignoredLabels) {

    /**
     * Checks that the optional components are given ({@code Optional.empty()} when absent).
     *
     * @param examples                 examples compared
     * @param comparedValues           output values compared
     * @param maxAbsDifference         max {@code |y_train - y_inference|}
     * @param meanAbsDifference        mean {@code |y_train - y_inference|}
     * @param nonFiniteTrainingValues  NaN or infinite values among the training-path outputs
     * @param nonFiniteInferenceValues NaN or infinite values among the inference-path outputs
     * @param firstNonFiniteLayer      the first layer whose inference-path activations are not finite, if any
     * @param classifiedExamples       examples whose outputs are class scores
     * @param argmaxAgreements         of those, how many have the same argmax on both paths
     * @param labelledExamples         classified examples that came with labels
     * @param trainingCorrect          of those, how many the training path classifies correctly
     * @param inferenceCorrect         of those, how many the inference path classifies correctly
     * @param ignoredLabels            why labels that came with the data were not used, if any
     */
    public OutputDivergence {
        Objects.requireNonNull(firstNonFiniteLayer, "firstNonFiniteLayer (Optional.empty() when none)");
        Objects.requireNonNull(ignoredLabels, "ignoredLabels (Optional.empty() when none)");
    }

    /**
     * No output comparison (a report made from the training path alone, e.g. by a recalibration).
     *
     * @return a divergence whose {@link #isMeasured()} is false
     */
    public static OutputDivergence notMeasured() {
        return new OutputDivergence(
                0, 0, Double.NaN, Double.NaN, 0, 0, Optional.empty(), 0, 0, 0, 0, 0, Optional.empty());
    }

    /**
     * This comparison with another first non-finite layer.
     *
     * @param layer the first layer whose activations are not finite, or empty when all are
     * @return a copy of this comparison with that layer
     */
    public OutputDivergence withFirstNonFiniteLayer(Optional<String> layer) {
        return new OutputDivergence(
                examples,
                comparedValues,
                maxAbsDifference,
                meanAbsDifference,
                nonFiniteTrainingValues,
                nonFiniteInferenceValues,
                layer,
                classifiedExamples,
                argmaxAgreements,
                labelledExamples,
                trainingCorrect,
                inferenceCorrect,
                ignoredLabels);
    }

    /**
     * Whether the outputs of the two paths were compared.
     *
     * @return true when the outputs were compared
     */
    public boolean isMeasured() {
        return examples > 0;
    }

    /**
     * Whether both paths produced only finite outputs.
     *
     * @return true when no output was NaN or infinite
     */
    public boolean allFinite() {
        return nonFiniteTrainingValues == 0 && nonFiniteInferenceValues == 0;
    }

    /**
     * Whether the outputs look like class scores, so that argmax agreement means something.
     *
     * @return true when the outputs look like class scores
     */
    public boolean isClassifier() {
        return classifiedExamples > 0;
    }

    /**
     * Fraction of classified examples whose argmax agrees between the two paths, NaN when none.
     *
     * @return the agreement, from 0 to 1, or NaN
     */
    public double argmaxAgreement() {
        return ratio(argmaxAgreements, classifiedExamples);
    }

    /**
     * Training-path accuracy on the labelled examples, NaN when there are no labels.
     *
     * @return the training-path accuracy, from 0 to 1, or NaN
     */
    public double trainingAccuracy() {
        return ratio(trainingCorrect, labelledExamples);
    }

    /**
     * Inference-path accuracy on the labelled examples, NaN when there are no labels.
     *
     * @return the inference-path accuracy, from 0 to 1, or NaN
     */
    public double inferenceAccuracy() {
        return ratio(inferenceCorrect, labelledExamples);
    }

    private static double ratio(long part, long whole) {
        return whole == 0 ? Double.NaN : (double) part / whole;
    }
}
