package io.github.bnconsistency.junit;

import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The raw configuration parameters of one test run (null when not set), read once from the root context and
 * parsed where used, so that a bad value fails the tests that use it with a message naming the key.
 */
record Configuration(
        String tolerance,
        String layerTolerance,
        String mode,
        String reportDirectory,
        String trainingBatchSize,
        String judgeBy,
        String minAgreement) {

    static Configuration read(ExtensionContext root) {
        return new Configuration(
                root.getConfigurationParameter(BatchNormConsistency.TOLERANCE_KEY)
                        .orElse(null),
                root.getConfigurationParameter(BatchNormConsistency.LAYER_TOLERANCE_KEY)
                        .orElse(null),
                root.getConfigurationParameter(BatchNormConsistency.MODE_KEY).orElse(null),
                root.getConfigurationParameter(BatchNormConsistency.REPORT_DIRECTORY_KEY)
                        .orElse(null),
                root.getConfigurationParameter(BatchNormConsistency.TRAINING_BATCH_SIZE_KEY)
                        .orElse(null),
                root.getConfigurationParameter(BatchNormConsistency.JUDGE_BY_KEY)
                        .orElse(null),
                root.getConfigurationParameter(BatchNormConsistency.MIN_AGREEMENT_KEY)
                        .orElse(null));
    }
}
