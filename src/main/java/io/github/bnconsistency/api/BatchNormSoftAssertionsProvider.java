package io.github.bnconsistency.api;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import org.assertj.core.api.SoftAssertionsProvider;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * Soft-assertion entry points: mix into your own soft assertions class, or use {@link BatchNormSoftAssertions}.
 * Navigation ({@code batchNormLayer(...)} and {@code returnToModel()}) stays soft, and a layer the model does not
 * have is one collected failure.
 *
 * <pre>{@code
 * class MySoftAssertions extends SoftAssertions implements BatchNormSoftAssertionsProvider {}
 * }</pre>
 */
public interface BatchNormSoftAssertionsProvider extends SoftAssertionsProvider {

    /**
     * Soft assertions on a MultiLayerNetwork.
     *
     * @param actual the network under test
     * @return soft assertions on it, collected instead of thrown
     */
    default MultiLayerNetworkAssert assertThat(MultiLayerNetwork actual) {
        return proxy(MultiLayerNetworkAssert.class, MultiLayerNetwork.class, actual)
                .collectingInto(this);
    }

    /**
     * Soft assertions on a ComputationGraph.
     *
     * @param actual the graph under test
     * @return soft assertions on it, collected instead of thrown
     */
    default ComputationGraphAssert assertThat(ComputationGraph actual) {
        return proxy(ComputationGraphAssert.class, ComputationGraph.class, actual)
                .collectingInto(this);
    }

    /**
     * Soft assertions on a report.
     *
     * @param actual the report under test
     * @return soft assertions on it, collected instead of thrown
     */
    default ConsistencyReportAssert assertThat(ConsistencyReport actual) {
        return proxy(ConsistencyReportAssert.class, ConsistencyReport.class, actual)
                .collectingInto(this);
    }

    /**
     * Soft assertions on one layer of a report.
     *
     * @param actual the layer's finding under test
     * @return soft assertions on it, collected instead of thrown
     */
    default BatchNormLayerAssert assertThat(LayerFinding actual) {
        return proxy(BatchNormLayerAssert.class, LayerFinding.class, actual);
    }
}
