package io.github.bnconsistency.probe;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One mini-batch of probe data: the network's input arrays (one per network input) and, when known, the
 * labels (one per network output; null when the data carries none).
 *
 * @param index    0-based position of the batch in the probe data
 * @param features one array per network input
 * @param labels   one array per network output, or null
 */
public record ProbeBatch(int index, INDArray[] features, INDArray[] labels) {

    /**
     * Number of examples in the batch.
     *
     * @return the number of examples, the features' first dimension
     */
    public long examples() {
        return features[0].size(0);
    }

    /**
     * Whether labels came with the batch.
     *
     * @return true when the batch has labels
     */
    public boolean hasLabels() {
        return labels != null;
    }

    /**
     * The feature shapes, e.g. {@code [12, 3, 32, 32]}, for messages.
     *
     * @return the shapes of the feature arrays
     */
    public String shapeDescription() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < features.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(Arrays.toString(features[i].shape()));
        }
        return sb.toString();
    }
}
