package io.github.bnconsistency.scenario;

/**
 * How far a layer's moving statistics (from somewhere: a recalibration, a formula) are from a reference target,
 * worst channel: in absolute terms, and relative to the target's scale ({@code sqrt(v* + eps)} for the mean,
 * {@code v*} for the variance) and to the target's standard errors.
 *
 * @param name             the layer's name
 * @param position         0-based position among the model's BN layers
 * @param convolutional    whether the layer normalizes NCHW input
 * @param meanGap          max |mean - mean*|
 * @param varianceGap      max |var - var*|
 * @param meanGapInSd      max |mean - mean*| / sqrt(var* + eps)
 * @param varianceGapRatio max |var - var*| / var*
 * @param varianceGapInSe  max |var - var*| / standard error of var* (Infinity when the target has none)
 */
record StatisticsGap(
        String name,
        int position,
        boolean convolutional,
        double meanGap,
        double varianceGap,
        double meanGapInSd,
        double varianceGapRatio,
        double varianceGapInSe) {

    static StatisticsGap between(LayerTarget target, int position, double[] mean, double[] variance) {
        double meanGap = 0;
        double varianceGap = 0;
        double meanGapInSd = 0;
        double varianceGapRatio = 0;
        double varianceGapInSe = 0;
        for (int c = 0; c < target.channels(); c++) {
            double dm = Math.abs(mean[c] - target.mean()[c]);
            double dv = Math.abs(variance[c] - target.variance()[c]);
            meanGap = Math.max(meanGap, dm);
            varianceGap = Math.max(varianceGap, dv);
            meanGapInSd = Math.max(meanGapInSd, dm / Math.sqrt(target.variance()[c] + target.eps()));
            varianceGapRatio = Math.max(varianceGapRatio, dv / target.variance()[c]);
            varianceGapInSe = Math.max(varianceGapInSe, dv / target.varianceStdError()[c]);
        }
        return new StatisticsGap(
                target.name(),
                position,
                target.convolutional(),
                meanGap,
                varianceGap,
                meanGapInSd,
                varianceGapRatio,
                varianceGapInSe);
    }
}
