package io.github.bnconsistency.scenario;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;

/** The three ways the study hands the validation set to the library. */
enum ProbeForm {
    /** All validation examples as one DataSet: one probe batch, larger than any training batch. */
    WHOLE_SET,
    /** A validation iterator at the training batch size, as README recommends. */
    TRAINING_BATCH,
    /** A validation iterator at {@link #OTHER_BATCH_SIZE}, a batch size the model was not trained with. */
    OTHER_BATCH;

    /** Not among the study's training batch sizes (4, 8, 16, 64), and a divisor of the validation set. */
    static final int OTHER_BATCH_SIZE = 32;

    /** Fresh probe data on every call: a check consumes an iterator. A DataSet or a DataSetIterator. */
    Object data(DataSet validation, int trainingBatchSize) {
        return switch (this) {
            case WHOLE_SET -> validation;
            // ListDataSetIterator merges this many single examples into each batch
            case TRAINING_BATCH -> new ListDataSetIterator<>(validation.asList(), trainingBatchSize);
            case OTHER_BATCH -> new ListDataSetIterator<>(validation.asList(), OTHER_BATCH_SIZE);
        };
    }

    /** Short form for tables, e.g. {@code dataset}, {@code iter@16}, {@code iter@32}. */
    String label(int trainingBatchSize) {
        return switch (this) {
            case WHOLE_SET -> "dataset";
            case TRAINING_BATCH -> "iter@" + trainingBatchSize;
            case OTHER_BATCH -> "iter@" + OTHER_BATCH_SIZE;
        };
    }
}
