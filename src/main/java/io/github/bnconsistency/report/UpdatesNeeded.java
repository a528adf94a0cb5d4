package io.github.bnconsistency.report;

/**
 * How many more training iterations a layer's moving statistics need before every channel is within the
 * layer tolerance, if the batch statistics stayed as they are on the probe data (the gaps shrink by
 * {@code decay^k} after k iterations).
 *
 * @param kind       none needed, an estimate, or never
 * @param iterations the estimate when {@code kind == ESTIMATE}, otherwise 0
 * @param reason     why the statistics can never converge when {@code kind == NEVER}, otherwise empty
 */
public record UpdatesNeeded(Kind kind, long iterations, String reason) {

    /** Whether more iterations help, and if so how many. */
    public enum Kind {
        /** Within tolerance already: no more iterations needed. */
        NONE,
        /** About {@link UpdatesNeeded#iterations()} more iterations, if the batch statistics stay as they are. */
        ESTIMATE,
        /** More iterations cannot help (a frozen layer, or gradient normalization rescaling the updates). */
        NEVER
    }

    /**
     * Checks that neither the kind nor the reason is null.
     *
     * @param kind       none needed, an estimate, or never
     * @param iterations the estimate when {@code kind == ESTIMATE}, otherwise 0
     * @param reason     why the statistics can never converge when {@code kind == NEVER}, otherwise empty
     * @throws IllegalArgumentException when one is
     */
    public UpdatesNeeded {
        if (kind == null || reason == null) {
            throw new IllegalArgumentException("kind and reason must not be null");
        }
    }

    /**
     * Already within tolerance.
     *
     * @return an {@code UpdatesNeeded} of kind {@code NONE}
     */
    public static UpdatesNeeded none() {
        return new UpdatesNeeded(Kind.NONE, 0, "");
    }

    /**
     * About {@code iterations} more {@code fit()} iterations.
     *
     * @param iterations the estimated number of iterations
     * @return an {@code UpdatesNeeded} of kind {@code ESTIMATE}
     */
    public static UpdatesNeeded estimate(long iterations) {
        return new UpdatesNeeded(Kind.ESTIMATE, iterations, "");
    }

    /**
     * More training does not help, e.g. a frozen layer.
     *
     * @param reason why more training does not help
     * @return an {@code UpdatesNeeded} of kind {@code NEVER}
     */
    public static UpdatesNeeded never(String reason) {
        return new UpdatesNeeded(Kind.NEVER, 0, reason);
    }

    /** Short form for tables: {@code 0}, {@code ~430} or {@code never (frozen)}. */
    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "0";
            case ESTIMATE -> "~" + iterations;
            case NEVER -> "never (" + reason + ")";
        };
    }
}
