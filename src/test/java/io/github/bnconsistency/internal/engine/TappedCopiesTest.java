package io.github.bnconsistency.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.testing.GraphModels;
import io.github.bnconsistency.testing.StoryModels;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The tapped copy kept between checks ({@link TappedCopies}) is reused only while the model is what it was built
 * from: every report after a change equals the report on a fresh clone of the changed model (which has no kept
 * copy), and an unchanged model, also one trained further in place, is checked without building a new copy.
 */
class TappedCopiesTest {

    private static final int BATCH = 8;

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void a_network_trained_on_in_place_reuses_its_copy_and_reads_its_new_parameters(long seed) {
        List<DataSet> examples = StoryModels.images(48, seed).asList();
        MultiLayerNetwork net = StoryModels.storyCnn(0.9, seed);
        Random random = new Random(seed);
        StoryModels.trainShuffled(net, examples, BATCH, 2, random);
        BatchNormInspector.inspect(net, probe(examples));

        int built = MultiLayerNetworkAdapter.tappedCopiesBuilt();
        ConsistencyReport again = BatchNormInspector.inspect(net, probe(examples));
        assertThat(MultiLayerNetworkAdapter.tappedCopiesBuilt()).isEqualTo(built);
        assertSameReport(again, BatchNormInspector.inspect(net.clone(), probe(examples)), "unchanged");

        StoryModels.trainShuffled(net, examples, BATCH, 1, random); // parameters, counts and updater move on
        built = MultiLayerNetworkAdapter.tappedCopiesBuilt();
        ConsistencyReport afterFit = BatchNormInspector.inspect(net, probe(examples));
        assertThat(MultiLayerNetworkAdapter.tappedCopiesBuilt()).isEqualTo(built);
        assertSameReport(afterFit, BatchNormInspector.inspect(net.clone(), probe(examples)), "trained further");
        assertThat(afterFit.layers()).isNotEqualTo(again.layers()); // the copy read the new parameters
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void a_network_whose_configuration_or_layers_changed_gets_a_new_copy(long seed) {
        List<DataSet> examples = StoryModels.images(48, seed).asList();
        MultiLayerNetwork net = StoryModels.storyCnn(0.9, seed);
        StoryModels.trainShuffled(net, examples, BATCH, 2, new Random(seed));
        ConsistencyReport before = BatchNormInspector.inspect(net, probe(examples));

        // a configuration change: bn2's epsilon, which the copy's cloned configuration would still have
        int built = MultiLayerNetworkAdapter.tappedCopiesBuilt();
        ((BatchNormalization) net.getLayer(4).conf().getLayer()).setEps(0.5);
        ConsistencyReport eps = BatchNormInspector.inspect(net, probe(examples));
        assertThat(MultiLayerNetworkAdapter.tappedCopiesBuilt()).isEqualTo(built + 1);
        assertSameReport(eps, BatchNormInspector.inspect(net.clone(), probe(examples)), "epsilon changed");
        assertThat(eps.layers()).isNotEqualTo(before.layers());

        // a layer replaced: bn1 frozen after construction
        built = MultiLayerNetworkAdapter.tappedCopiesBuilt();
        Layer[] layers = net.getLayers();
        layers[1] = new FrozenLayer(layers[1]);
        net.setLayers(layers);
        ConsistencyReport frozen = BatchNormInspector.inspect(net, probe(examples));
        assertThat(MultiLayerNetworkAdapter.tappedCopiesBuilt()).isEqualTo(built + 1);
        assertThat(frozen.layer("bn1").orElseThrow().frozen()).isTrue();
        assertSameReport(frozen, BatchNormInspector.inspect(net.clone(), probe(examples)), "bn1 frozen");

        // new parameter values set in place need no new copy, and are read
        BatchNormInspector.inspect(net, probe(examples)); // keeps the copy again (the clone's was the last kept)
        built = MultiLayerNetworkAdapter.tappedCopiesBuilt();
        net.setParams(net.params().mul(1.01));
        ConsistencyReport scaled = BatchNormInspector.inspect(net, probe(examples));
        assertThat(MultiLayerNetworkAdapter.tappedCopiesBuilt()).isEqualTo(built);
        assertSameReport(scaled, BatchNormInspector.inspect(net.clone(), probe(examples)), "parameters set");
    }

    @ParameterizedTest
    @ValueSource(longs = {3, 4})
    void a_graph_reuses_its_copy_until_its_configuration_changes(long seed) {
        DataSet images = StoryModels.images(24, seed);
        ComputationGraph graph = GraphModels.residualCnn(0.9, seed, false);
        for (DataSet batch : images.batchBy(BATCH)) {
            graph.fit(batch);
        }
        BatchNormInspector.inspect(graph, probe(images.asList()));

        int built = ComputationGraphAdapter.tappedCopiesBuilt();
        ConsistencyReport again = BatchNormInspector.inspect(graph, probe(images.asList()));
        assertThat(ComputationGraphAdapter.tappedCopiesBuilt()).isEqualTo(built);
        assertSameReport(again, BatchNormInspector.inspect(graph.clone(), probe(images.asList())), "unchanged");

        built = ComputationGraphAdapter.tappedCopiesBuilt();
        Layer bn = graph.getVertices()[firstBatchNormVertex(graph)].getLayer();
        ((BatchNormalization) bn.conf().getLayer()).setEps(0.5);
        ConsistencyReport eps = BatchNormInspector.inspect(graph, probe(images.asList()));
        assertThat(ComputationGraphAdapter.tappedCopiesBuilt()).isEqualTo(built + 1);
        assertSameReport(eps, BatchNormInspector.inspect(graph.clone(), probe(images.asList())), "epsilon changed");
        assertThat(eps.layers()).isNotEqualTo(again.layers());
    }

    @Test
    void a_kept_copy_does_not_keep_its_model_alive_and_goes_once_the_model_is() throws InterruptedException {
        TappedCopies<Object> cache = new TappedCopies<>();
        List<DataSet> examples = StoryModels.images(16, 5).asList();
        MultiLayerNetwork net = StoryModels.storyCnn(0.9, 5);
        BatchNormInspector.inspect(net, probe(examples)); // a real check, whose copy the adapter keeps
        java.lang.ref.WeakReference<MultiLayerNetwork> collected = new java.lang.ref.WeakReference<>(net);
        Object copy = new Object();
        TappedCopies.Fingerprint fingerprint = TappedCopies.Fingerprint.of(net.params(), "configuration", List.of());
        cache.giveBack(net, fingerprint, copy);
        assertThat(cache.kept()).isEqualTo(1);
        assertThat(cache.take(net, fingerprint, Object::new)).isSameAs(copy);
        cache.giveBack(net, fingerprint, copy);

        net = null;
        for (int i = 0; i < 50 && (collected.get() != null || cache.kept() > 0); i++) {
            System.gc();
            Thread.sleep(100);
        }

        assertThat(collected.get())
                .as("the model, collected (no kept copy reaches it)")
                .isNull();
        assertThat(cache.kept()).as("its copy, let go without another check").isZero();
    }

    private static int firstBatchNormVertex(ComputationGraph graph) {
        for (int i = 0; i < graph.getVertices().length; i++) {
            if (graph.getVertices()[i].hasLayer()
                    && graph.getVertices()[i].getLayer().conf().getLayer() instanceof BatchNormalization) {
                return i;
            }
        }
        throw new AssertionError("no BatchNormalization vertex");
    }

    /** A validation iterator at the training batch size, as users probe. */
    private static ListDataSetIterator<DataSet> probe(List<DataSet> examples) {
        return new ListDataSetIterator<>(examples, BATCH);
    }

    private static void assertSameReport(ConsistencyReport actual, ConsistencyReport fresh, String after) {
        assertThat(actual.layers()).as("layers, " + after).isEqualTo(fresh.layers());
        assertThat(actual.output()).as("outputs, " + after).isEqualTo(fresh.output());
        assertThat(actual.reference()).as("reference, " + after).isEqualTo(fresh.reference());
    }
}
