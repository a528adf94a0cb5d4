package io.github.bnconsistency.scenario;

/** Per-channel mean and biased variance of a group of consecutive examples, by plain two-pass loops in double. */
final class GroupMoments {

    private GroupMoments() {}

    /** {@code [0]} mean, {@code [1]} biased variance, per channel, over examples {@code start..start+count-1}. */
    static double[][] of(BatchNormInputs.Values input, int start, int count) {
        int channels = input.channels();
        int positions = input.positions();
        double[] mean = new double[channels];
        double[] variance = new double[channels];
        long values = (long) count * positions;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int e = start; e < start + count; e++) {
                for (int p = 0; p < positions; p++) {
                    sum += input.at(e, c, p);
                }
            }
            mean[c] = sum / values;
            double squares = 0;
            for (int e = start; e < start + count; e++) {
                for (int p = 0; p < positions; p++) {
                    double d = input.at(e, c, p) - mean[c];
                    squares += d * d;
                }
            }
            variance[c] = squares / values;
        }
        return new double[][] {mean, variance};
    }
}
