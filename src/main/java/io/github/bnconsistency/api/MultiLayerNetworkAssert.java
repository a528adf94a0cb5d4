package io.github.bnconsistency.api;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * BatchNormalization consistency assertions on a {@link MultiLayerNetwork}; see {@link AbstractModelAssert}.
 *
 * <pre>{@code
 * assertThat(network).inferenceMatchesTraining(testData, 1e-3);
 * }</pre>
 */
public class MultiLayerNetworkAssert extends AbstractModelAssert<MultiLayerNetworkAssert, MultiLayerNetwork> {

    /**
     * Creates an assert on a network; {@code BatchNormAssertions.assertThat(network)} is the usual way.
     *
     * @param actual the network under test
     */
    public MultiLayerNetworkAssert(MultiLayerNetwork actual) {
        super(actual, MultiLayerNetworkAssert.class);
    }
}
