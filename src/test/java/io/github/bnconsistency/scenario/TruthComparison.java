package io.github.bnconsistency.scenario;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The model's inference predictions on the validation set against those of a reference copy (the exactly
 * recalibrated truth copy), both in inference mode, and each one's accuracy against the labels.
 *
 * @param examples      validation examples
 * @param agreements    examples on which both predict the same class
 * @param modelCorrect  examples the model classifies correctly
 * @param truthCorrect  examples the reference copy classifies correctly
 */
record TruthComparison(int examples, int agreements, int modelCorrect, int truthCorrect) {

    static TruthComparison of(MultiLayerNetwork model, MultiLayerNetwork reference, DataSet validation) {
        long[] modelClasses =
                model.output(validation.getFeatures(), false).argMax(1).toLongVector();
        long[] referenceClasses =
                reference.output(validation.getFeatures(), false).argMax(1).toLongVector();
        long[] labels = validation.getLabels().argMax(1).toLongVector();
        int agreements = 0;
        int modelCorrect = 0;
        int truthCorrect = 0;
        for (int i = 0; i < labels.length; i++) {
            agreements += modelClasses[i] == referenceClasses[i] ? 1 : 0;
            modelCorrect += modelClasses[i] == labels[i] ? 1 : 0;
            truthCorrect += referenceClasses[i] == labels[i] ? 1 : 0;
        }
        return new TruthComparison(labels.length, agreements, modelCorrect, truthCorrect);
    }

    double agreement() {
        return (double) agreements / examples;
    }

    double modelAccuracy() {
        return (double) modelCorrect / examples;
    }

    double truthAccuracy() {
        return (double) truthCorrect / examples;
    }

    /** |truth accuracy - model accuracy|, in percentage points. */
    double accuracyMovePoints() {
        return 100.0 * Math.abs(truthCorrect - modelCorrect) / examples;
    }

    TruthLabel label() {
        return TruthLabel.of(agreement(), accuracyMovePoints());
    }
}
