package io.github.bnconsistency.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/** The activations of one forward pass over one probe batch, read by BatchNormalization site. */
interface ForwardPass {

    /** The input the site's layer received on this pass (after any input preprocessor). */
    INDArray inputOf(BatchNormSite site);

    /** The network outputs, one per network output. */
    INDArray[] outputs();

    /** The first layer, in topological order, whose activations hold NaN or infinite values; null if none. */
    String firstNonFiniteLayer();

    static boolean isFinite(INDArray array) {
        return !array.isNaN().any() && !array.isInfinite().any();
    }
}
