package io.github.bnconsistency.scenario;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Mini-batches of single examples, reshuffled at every {@link #reset()} (DL4J's {@code fit(iterator, epochs)}
 * resets between epochs), so each epoch sees other batches, as a user's shuffling iterator gives. Every batch is
 * full: the example count must be a multiple of the batch size. Not asynchronous, so DL4J does not wrap it in a
 * prefetching thread and the batch order depends on the seed alone.
 */
final class ShufflingIterator implements DataSetIterator {

    private final List<DataSet> examples;
    private final int batchSize;
    private final Random random;
    private List<DataSet> order;
    private int cursor;

    ShufflingIterator(List<DataSet> examples, int batchSize, Random random) {
        if (examples.size() % batchSize != 0) {
            throw new IllegalArgumentException(examples.size() + " examples do not split into batches of " + batchSize);
        }
        this.examples = List.copyOf(examples);
        this.batchSize = batchSize;
        this.random = random;
        reset();
    }

    @Override
    public boolean hasNext() {
        return cursor < order.size();
    }

    @Override
    public DataSet next() {
        DataSet batch = DataSet.merge(order.subList(cursor, cursor + batchSize));
        cursor += batchSize;
        return batch;
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("batches have a fixed size of " + batchSize);
    }

    @Override
    public void reset() {
        order = new ArrayList<>(examples);
        Collections.shuffle(order, random);
        cursor = 0;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public int inputColumns() {
        return (int) examples.get(0).getFeatures().length();
    }

    @Override
    public int totalOutcomes() {
        return (int) examples.get(0).getLabels().size(1);
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        throw new UnsupportedOperationException("no preprocessing: the examples are used as generated");
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return null;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
