package io.github.bnconsistency.api;

import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * BatchNormalization consistency assertions on a {@link ComputationGraph} (Keras functional imports included);
 * see {@link AbstractModelAssert}.
 *
 * <pre>{@code
 * assertThat(graph).inferenceMatchesTraining(multiDataSetIterator, 1e-3);
 * }</pre>
 */
public class ComputationGraphAssert extends AbstractModelAssert<ComputationGraphAssert, ComputationGraph> {

    /**
     * Creates an assert on a graph; {@code BatchNormAssertions.assertThat(graph)} is the usual way.
     *
     * @param actual the graph under test
     */
    public ComputationGraphAssert(ComputationGraph actual) {
        super(actual, ComputationGraphAssert.class);
    }
}
