package io.github.bnconsistency.report;

/**
 * What probe data the check ran on.
 *
 * @param source          what the data came from, e.g. {@code DataSetIterator (ListDataSetIterator)}
 * @param batches         mini-batches seen
 * @param examples        examples seen
 * @param firstBatchShape the feature shape(s) of the first mini-batch, e.g. {@code [12, 3, 32, 32]}
 * @param smallestBatch   examples in the smallest mini-batch
 * @param garbageCollections how often the check collected garbage to keep off-heap memory flat (DL4J's passes
 *                        leave arrays that only a collection frees); 0 when it never needed to or was told not to
 */
public record ProbeSummary(
        String source, int batches, long examples, String firstBatchShape, long smallestBatch, int garbageCollections) {

    /**
     * A summary without garbage collections, as before they were counted.
     *
     * @param source          what the data came from
     * @param batches         mini-batches seen
     * @param examples        examples seen
     * @param firstBatchShape the feature shape(s) of the first mini-batch
     * @param smallestBatch   examples in the smallest mini-batch
     */
    public ProbeSummary(String source, int batches, long examples, String firstBatchShape, long smallestBatch) {
        this(source, batches, examples, firstBatchShape, smallestBatch, 0);
    }

    /**
     * This summary with another count of garbage collections.
     *
     * @param count how often the check collected garbage
     * @return a new summary
     */
    public ProbeSummary withGarbageCollections(int count) {
        return new ProbeSummary(source, batches, examples, firstBatchShape, smallestBatch, count);
    }
}
