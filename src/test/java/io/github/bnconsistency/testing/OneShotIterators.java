package io.github.bnconsistency.testing;

import java.util.List;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/** Iterators that can be read once and refuse reset, like a stream from disk or a queue. */
public final class OneShotIterators {

    private OneShotIterators() {}

    /** Yields each data set once, as is; {@code reset()} throws. Counts how many were taken. */
    public static class OneShotDataSetIterator implements DataSetIterator {
        private final List<? extends DataSet> batches;
        private int next;

        public OneShotDataSetIterator(List<? extends DataSet> batches) {
            this.batches = batches;
        }

        public int taken() {
            return next;
        }

        @Override
        public boolean hasNext() {
            return next < batches.size();
        }

        @Override
        public DataSet next() {
            return batches.get(next++);
        }

        @Override
        public DataSet next(int num) {
            return next();
        }

        @Override
        public int inputColumns() {
            return -1;
        }

        @Override
        public int totalOutcomes() {
            return -1;
        }

        @Override
        public boolean resetSupported() {
            return false;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            throw new UnsupportedOperationException("one-shot iterator");
        }

        @Override
        public int batch() {
            return -1;
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException();
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

    /** Yields each multi data set once, as is; {@code reset()} throws. */
    public static final class OneShotMultiDataSetIterator implements MultiDataSetIterator {
        private final List<? extends MultiDataSet> batches;
        private int next;

        public OneShotMultiDataSetIterator(List<? extends MultiDataSet> batches) {
            this.batches = batches;
        }

        @Override
        public boolean hasNext() {
            return next < batches.size();
        }

        @Override
        public MultiDataSet next() {
            return batches.get(next++);
        }

        @Override
        public MultiDataSet next(int num) {
            return next();
        }

        @Override
        public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MultiDataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public boolean resetSupported() {
            return false;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            throw new UnsupportedOperationException("one-shot iterator");
        }
    }
}
