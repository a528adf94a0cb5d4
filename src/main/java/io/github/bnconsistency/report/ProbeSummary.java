package io.github.bnconsistency.report;

/**
 * What probe data the check ran on.
 *
 * @param source          what the data came from, e.g. {@code DataSetIterator (ListDataSetIterator)}
 * @param batches         mini-batches seen
 * @param examples        examples seen
 * @param firstBatchShape the feature shape(s) of the first mini-batch, e.g. {@code [12, 3, 32, 32]}
 * @param smallestBatch   examples in the smallest mini-batch
 */
public record ProbeSummary(String source, int batches, long examples, String firstBatchShape, long smallestBatch) {}
