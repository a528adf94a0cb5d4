package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.StatisticsStorage;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One BatchNormalization layer of a model, as the engine needs it.
 *
 * @param name     layer (or vertex) name
 * @param position 1-based position among the model's BatchNormalization layers, topological order
 * @param location where it sits, for messages
 * @param config   the layer's configuration
 * @param layer    the runtime layer that holds the moving statistics (unwrapped from a frozen wrapper)
 * @param frozen   whether it is wrapped in FrozenLayer / FrozenLayerWithBackprop
 */
public record BatchNormSite(
        String name,
        int position,
        String location,
        BatchNormalization config,
        org.deeplearning4j.nn.api.Layer layer,
        boolean frozen) {

    public StatisticsStorage storage() {
        return config.isUseLogStd() ? StatisticsStorage.LOG10_STDEV : StatisticsStorage.VARIANCE;
    }

    public int channels() {
        return (int) config.getNOut();
    }

    /** The moving mean, in double. */
    public double[] movingMean() {
        return toDoubles(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN));
    }

    /** The moving variance in double, decoded from {@code log10stdev} when stored so. */
    public double[] movingVariance() {
        if (storage() == StatisticsStorage.VARIANCE) {
            return toDoubles(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_VAR));
        }
        double[] log10Std = toDoubles(layer.getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD));
        double[] variance = new double[log10Std.length];
        for (int i = 0; i < log10Std.length; i++) {
            double std = Math.pow(10, log10Std[i]);
            variance[i] = std * std;
        }
        return variance;
    }

    /**
     * Whether its parameters alone make some channel's inference output NaN or infinite, whatever finite input it
     * gets: a moving mean, variance, gamma or beta that is not finite, or a variance that {@code eps} does not lift
     * above zero (read only once an inference output is known not to be finite).
     */
    public boolean writesNonFiniteAtInference() {
        double[] mean = movingMean();
        double[] variance = movingVariance();
        for (int c = 0; c < mean.length; c++) {
            if (!Double.isFinite(mean[c]) || !Double.isFinite(variance[c])) {
                return true;
            }
            if (storage() == StatisticsStorage.VARIANCE && !(variance[c] + config.getEps() > 0)) {
                return true;
            }
        }
        for (String key :
                new String[] {BatchNormalizationParamInitializer.GAMMA, BatchNormalizationParamInitializer.BETA}) {
            INDArray values = layer.paramTable().get(key);
            if (values != null && !java.util.Arrays.stream(toDoubles(values)).allMatch(Double::isFinite)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Overwrites the moving statistics, in the layer's own storage and data type (assigned into the parameter
     * views, so the network's flattened parameters see them).
     */
    public void writeMovingStatistics(double[] mean, double[] variance) {
        assign(BatchNormalizationParamInitializer.GLOBAL_MEAN, mean);
        if (storage() == StatisticsStorage.VARIANCE) {
            assign(BatchNormalizationParamInitializer.GLOBAL_VAR, variance);
        } else {
            double[] log10Std = new double[variance.length];
            for (int i = 0; i < variance.length; i++) {
                // a dead channel has variance 0; log10 of 0 would store -Infinity
                log10Std[i] = Math.log10(Math.sqrt(Math.max(variance[i], SMALLEST_STORED_VARIANCE)));
            }
            assign(BatchNormalizationParamInitializer.GLOBAL_LOG_STD, log10Std);
        }
    }

    /**
     * Gives the layer its own copies of its moving statistics: written after this, they change this layer only, not
     * the flattened parameters it shares with the model (DL4J's inference path reads them from the layer's table).
     */
    void ownMovingStatistics() {
        java.util.Map<String, INDArray> table = new java.util.LinkedHashMap<>(layer.paramTable());
        for (String key : new String[] {
            BatchNormalizationParamInitializer.GLOBAL_MEAN,
            BatchNormalizationParamInitializer.GLOBAL_VAR,
            BatchNormalizationParamInitializer.GLOBAL_LOG_STD
        }) {
            INDArray shared = table.get(key);
            if (shared != null) {
                table.put(key, shared.dup());
            }
        }
        layer.setParamTable(table);
    }

    /** Far below any eps, so it changes nothing at inference, and finite in log10 even in HALF. */
    private static final double SMALLEST_STORED_VARIANCE = 1e-30;

    /** Element by element: for a few thousand channels at most, cheaper than building and casting an array. */
    private void assign(String key, double[] values) {
        INDArray target = layer.getParam(key);
        for (int i = 0; i < values.length; i++) {
            target.putScalar(i, values[i]);
        }
    }

    /** A parameter vector ([1, C] or [C]) as doubles, in one copy. */
    private static double[] toDoubles(INDArray array) {
        return array.toDoubleVector();
    }

    /**
     * The dropout configured on this BatchNormalization layer itself, in words, which DL4J never applies (its {@code
     * activate} normalizes the input as it comes, without {@code applyDropOutIfNecessary}); empty when none or one that
     * drops nothing (a Keras import's {@code Dropout(1.0)}).
     *
     * @return the ignored dropout, described
     */
    public java.util.Optional<String> ignoredDropout() {
        return LayerConfigurations.describe(config.getIDropout());
    }
}
