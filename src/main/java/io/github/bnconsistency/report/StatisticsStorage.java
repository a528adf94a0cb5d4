package io.github.bnconsistency.report;

/** How a BatchNormalization layer stores its moving variance: as {@code var} or as {@code log10stdev}. */
public enum StatisticsStorage {
    /** Parameter key {@code var}: the moving variance itself ({@code useLogStd(false)}, every Keras import). */
    VARIANCE("var"),
    /** Parameter key {@code log10stdev}: {@code log10(sqrt(variance))} (DL4J's default, {@code useLogStd(true)}). */
    LOG10_STDEV("log10stdev");

    private final String parameterKey;

    StatisticsStorage(String parameterKey) {
        this.parameterKey = parameterKey;
    }

    /**
     * The layer's parameter key, e.g. {@code var}.
     *
     * @return the parameter key of the stored variance
     */
    public String parameterKey() {
        return parameterKey;
    }
}
