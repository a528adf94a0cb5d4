package io.github.bnconsistency.docs;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/** The quick start's model and data for tests in other packages. */
public final class QuickStartFixtures {

    private QuickStartFixtures() {}

    /** The quick start's classifier trained in shuffled batches of 16 for {@code epochs} epochs. */
    public static MultiLayerNetwork trained(double decay, int epochs, long seed) {
        DataSet train = QuickStartTest.data(600, seed);
        MultiLayerNetwork model = QuickStartTest.classifier(decay);
        for (int epoch = 0; epoch < epochs; epoch++) {
            train.shuffle(epoch);
            model.fit(new ListDataSetIterator<>(train.asList(), 16));
        }
        return model;
    }

    public static DataSet data(int n, long seed) {
        return QuickStartTest.data(n, seed);
    }
}
