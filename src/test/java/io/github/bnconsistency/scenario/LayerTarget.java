package io.github.bnconsistency.scenario;

/**
 * What one BatchNormalization layer's moving statistics converge to, per channel, when the model trains on
 * random mini-batches of a given size with its current weights: the expected batch mean and expected biased
 * batch variance of the layer's training-path input.
 *
 * @param layerIndex       the layer's index in the MultiLayerNetwork
 * @param name             the layer's name
 * @param convolutional    whether the input is NCHW (statistics over examples and positions) rather than dense
 * @param eps              the layer's epsilon
 * @param mean             expected batch mean per channel
 * @param variance         expected biased batch variance per channel
 * @param meanStdError     standard error of {@code mean} (0 when computed in closed form)
 * @param varianceStdError standard error of {@code variance} (0 when computed in closed form)
 */
record LayerTarget(
        int layerIndex,
        String name,
        boolean convolutional,
        double eps,
        double[] mean,
        double[] variance,
        double[] meanStdError,
        double[] varianceStdError) {

    int channels() {
        return mean.length;
    }
}
