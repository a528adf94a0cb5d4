package io.github.bnconsistency.junit;

import java.util.Locale;

/**
 * What {@link BatchNormConsistency} does after a test that passed.
 *
 * <pre>{@code
 * @BatchNormConsistency(mode = Mode.REPORT_ONLY)   // publish the numbers, never fail
 * class ExploratoryTrainingTest { ... }
 * }</pre>
 *
 * In {@code junit-platform.properties} or as {@code -Dbnconsistency.mode=...} the modes are written in lower case:
 * {@code fail}, {@code report_only} (or {@code report-only}) and {@code off}.
 */
public enum Mode {
    /**
     * The annotation's default: take the mode from the enclosing annotation (method, class, enclosing class), then
     * from the configuration parameter {@value BatchNormConsistency#MODE_KEY}, then {@link #FAIL}.
     */
    INHERIT,
    /** Check the model, publish the report entries and fail the test when the outputs differ beyond the tolerance. */
    FAIL,
    /** Check the model and publish the report entries (and the text report), but never fail the test. */
    REPORT_ONLY,
    /** Do nothing: no check, no report entries, no report file. */
    OFF;

    /** The mode a configuration value names, or null when it names none ({@code inherit} is no configuration value). */
    static Mode fromConfigurationValue(String value) {
        String normalized = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (Mode mode : values()) {
            if (mode != INHERIT && mode.name().equals(normalized)) {
                return mode;
            }
        }
        return null;
    }
}
