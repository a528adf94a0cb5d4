package io.github.bnconsistency.junit;

import java.util.Locale;

/**
 * What {@link BatchNormConsistency} judges the model by after a test that passed.
 *
 * <pre>{@code
 * @BatchNormConsistency(judgeBy = JudgeBy.PREDICTIONS, minAgreement = 0.99, trainingBatchSize = 16)
 * class ClassifierTest { ... }
 * }</pre>
 *
 * In {@code junit-platform.properties} or as {@code -Dbnconsistency.judgeBy=...} the values are written in any
 * case: {@code outputs}, {@code predictions} or {@code statistics}.
 */
public enum JudgeBy {
    /**
     * The annotation's default: take it from the enclosing annotation (method, class, enclosing class), then from the
     * configuration parameter {@value BatchNormConsistency#JUDGE_BY_KEY}, then {@link #OUTPUTS}.
     */
    INHERIT,
    /**
     * The output comparison: {@code max |y_reference - y_inference| <= tolerance} or sampling noise, as
     * {@code assertThat(model).inferenceMatchesTraining(data, tolerance)}.
     */
    OUTPUTS,
    /**
     * The predictions of a classifier: the fraction of examples whose inference argmax equals the reference's is at
     * least {@code minAgreement} (or the change is sampling noise), as
     * {@code assertThat(model).predictionsMatchTraining(data, minAgreement)}. Outputs that are not class scores fail.
     */
    PREDICTIONS,
    /**
     * The moving statistics: every BatchNormalization layer converged at {@code layerTolerance} or within sampling
     * noise, as {@code assertThat(model).hasConvergedBatchNormStatistics(data)}.
     */
    STATISTICS;

    /** The judgement a configuration value names, or null when it names none ({@code inherit} is no value). */
    static JudgeBy fromConfigurationValue(String value) {
        String normalized = value.trim().toUpperCase(Locale.ROOT);
        for (JudgeBy judgeBy : values()) {
            if (judgeBy != INHERIT && judgeBy.name().equals(normalized)) {
                return judgeBy;
            }
        }
        return null;
    }
}
