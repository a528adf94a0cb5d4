package io.github.bnconsistency.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * How every report, message and lint finding writes numbers: three significant digits, so that figures read the
 * same wherever they appear.
 *
 * <pre>{@code
 * Numbers.number(0.85912);   // "0.859"
 * Numbers.percent(2.0 / 3);  // "66.7%"
 * }</pre>
 */
public final class Numbers {

    private Numbers() {}

    /**
     * Three significant digits, plain notation between 0.001 and 10000, e.g. {@code 0.859}, {@code 50.6}.
     *
     * @param value the number
     * @return the number to three significant digits, NaN and infinities spelled out
     */
    public static String number(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (Double.isInfinite(value)) {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        if (value == 0) {
            return "0";
        }
        double magnitude = Math.abs(value);
        if (magnitude >= 1e4 || magnitude < 1e-3) {
            return String.format(Locale.ROOT, "%.2e", value);
        }
        return new BigDecimal(value)
                .round(new MathContext(3))
                .stripTrailingZeros()
                .toPlainString();
    }

    /**
     * A fraction as a percentage, e.g. {@code 33.3%}, {@code 100%}.
     *
     * @param fraction the fraction, e.g. {@code 0.333}
     * @return the fraction as a percentage, e.g. {@code 33.3%}
     */
    public static String percent(double fraction) {
        return number(fraction * 100) + "%";
    }
}
