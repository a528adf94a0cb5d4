package io.github.bnconsistency.junit;

/**
 * The keys of the report entries {@link BatchNormConsistency} publishes after every check (in FAIL and
 * REPORT_ONLY mode), so that build tools and IDEs can show and collect them. The keys and the form of their
 * values are stable.
 *
 * <pre>{@code
 * // e.g. in a TestExecutionListener
 * public void reportingEntryPublished(TestIdentifier test, ReportEntry entry) {
 *     entry.getKeyValuePairs().get(ReportEntries.VERDICT);   // "CONSISTENT" or "DIVERGES"
 * }
 * }</pre>
 */
public final class ReportEntries {

    /**
     * {@code CONSISTENT} when the chosen judgement ({@link BatchNormConsistency#judgeBy()}) passes (by default: the max output difference
     * is within the tolerance), else {@code DIVERGES}.
     */
    public static final String VERDICT = "bnconsistency.verdict";

    /** The root-cause BatchNormalization layer's name (first non-converged layer), or {@code none}. */
    public static final String ROOT_LAYER = "bnconsistency.rootLayer";

    /**
     * The max {@code |y_train - y_inference|} over every output value, as Java's {@code Double.toString}
     * writes it ({@code Infinity} when an output is not finite).
     */
    public static final String MAX_OUTPUT_DIFFERENCE = "bnconsistency.maxOutputDifference";

    /** How many BatchNormalization layers' moving statistics diverge beyond the layer tolerance, e.g. {@code 4}. */
    public static final String DIVERGING_LAYERS = "bnconsistency.divergingLayers";

    /** The path of the JSON report written for the test; absent when no report directory is set. */
    public static final String REPORT_FILE = "bnconsistency.reportFile";

    /**
     * The path of the HTML report written for the test, beside the JSON one (and the run's {@code index.html} beside
     * it); absent when no report directory is set.
     */
    public static final String HTML_REPORT_FILE = "bnconsistency.htmlReportFile";

    /**
     * In REPORT_ONLY mode only, a second entry with this key holds the whole text report (the text a failure in
     * FAIL mode would show).
     */
    public static final String REPORT_TEXT = "bnconsistency.report";

    /** {@link #VERDICT}'s value when the outputs agree within the tolerance. */
    public static final String CONSISTENT = "CONSISTENT";

    /** {@link #VERDICT}'s value when they do not. */
    public static final String DIVERGES = "DIVERGES";

    /** {@link #ROOT_LAYER}'s value when no layer is the root cause. */
    public static final String NO_ROOT_LAYER = "none";

    private ReportEntries() {}
}
