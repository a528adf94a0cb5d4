package io.github.bnconsistency.report;

import java.util.List;
import java.util.Objects;

/**
 * Why a layer's moving statistics differ from inference's although they have converged: they match the statistics
 * its input has in training, with the dropout or noise upstream active, and inference runs without it (Li et al.,
 * "Understanding the Disharmony between Dropout and Batch Normalization", 2019). Measured by a training-path sweep
 * that keeps the noise, on a copy, run only for layers whose statistics are off.
 *
 * @param sources             the layers upstream (or the layer itself) that are random in training only, described
 *                            ({@code drop1 (DropoutLayer, layer index 2: dropout, retain probability 0.5)})
 * @param trainingDivergence  the layer divergence {@code D_l} of the moving statistics from the training-time
 *                            statistics (with the noise): within tolerance or sampling noise
 * @param minShift            the smallest, over channels, ratio of the training-time variance (with the noise) to the
 *                            inference-time variance (without it), each plus eps
 * @param maxShift            the largest such ratio
 */
public record VarianceShift(List<String> sources, double trainingDivergence, double minShift, double maxShift) {

    /**
     * Copies the source list, so the value is immutable.
     *
     * @param sources            the stochastic layers upstream, described
     * @param trainingDivergence {@code D_l} against the training-time statistics with the noise
     * @param minShift           the smallest training-time / inference-time variance ratio over channels
     * @param maxShift           the largest such ratio
     */
    public VarianceShift {
        sources = List.copyOf(Objects.requireNonNull(sources, "sources"));
    }
}
