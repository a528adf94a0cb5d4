package io.github.bnconsistency.api;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Entry point of the BatchNormalization consistency assertions.
 *
 * <pre>{@code
 * import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
 *
 * assertThat(model).inferenceMatchesTraining(probeData, 1e-3);
 * assertThat(model).hasConvergedBatchNormStatistics(probeData);
 * }</pre>
 *
 * Use it beside AssertJ's {@code Assertions}: both have {@code assertThat}, and Java picks by argument type.
 */
public final class BatchNormAssertions {

    private BatchNormAssertions() {}

    /**
     * Assertions on a MultiLayerNetwork.
     *
     * @param actual the network under test
     * @return the assertions on it
     */
    public static MultiLayerNetworkAssert assertThat(MultiLayerNetwork actual) {
        return new MultiLayerNetworkAssert(actual);
    }

    /**
     * Assertions on a ComputationGraph.
     *
     * @param actual the graph under test
     * @return the assertions on it
     */
    public static ComputationGraphAssert assertThat(ComputationGraph actual) {
        return new ComputationGraphAssert(actual);
    }

    /**
     * Assertions on a report made by {@code BatchNormInspector.inspect}.
     *
     * @param actual the report under test
     * @return the assertions on it
     */
    public static ConsistencyReportAssert assertThat(ConsistencyReport actual) {
        return new ConsistencyReportAssert(actual);
    }

    /**
     * Assertions on one layer of a report.
     *
     * @param actual the layer's finding under test
     * @return the assertions on it
     */
    public static BatchNormLayerAssert assertThat(LayerFinding actual) {
        return new BatchNormLayerAssert(actual);
    }
}
