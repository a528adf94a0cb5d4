package io.github.bnconsistency.internal.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;

/** The activations of one forward pass over one probe batch, read by BatchNormalization site. */
interface ForwardPass {

    /** The input the site's layer received on this pass (after any input preprocessor). */
    INDArray inputOf(BatchNormSite site);

    /** The network outputs, one per network output. */
    INDArray[] outputs();

    /** The first layer, in topological order, whose activations hold NaN or infinite values, if any. */
    java.util.Optional<String> firstNonFiniteLayer();

    /**
     * One vectorized sum decides for the usual, finite array; only when the sum is not finite (a NaN or infinity,
     * or an overflow of the sum) does an exact count run. Allocates no array of the activation's size.
     */
    static boolean isFinite(INDArray array) {
        if (Double.isFinite(array.sumNumber().doubleValue())) {
            return true;
        }
        return Nd4j.getExecutioner()
                        .exec(new MatchCondition(array, Conditions.notFinite()))
                        .getLong(0)
                == 0;
    }
}
