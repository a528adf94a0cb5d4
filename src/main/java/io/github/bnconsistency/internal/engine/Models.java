package io.github.bnconsistency.internal.engine;

import org.deeplearning4j.nn.api.Model;

/**
 * What the layers above the engine ask of a model, whichever kind it is; each call goes through {@link ModelAdapter},
 * the one place that tells a MultiLayerNetwork from a ComputationGraph, and fails the same clear way for a null
 * model or another kind.
 */
public final class Models {

    private Models() {}

    /** The model's {@code fit()} iteration count. */
    public static int iterationCount(Model model) {
        return ModelAdapter.of(model).iterationCount();
    }

    /** A full, independent copy, with the iteration and epoch counts of the original. */
    @SuppressWarnings("unchecked")
    public static <M extends Model> M copyOf(M model) {
        return (M) ModelAdapter.of(model).copy();
    }
}
