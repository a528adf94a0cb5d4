package io.github.bnconsistency.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TextReportTest {

    @Test
    void numbers_have_three_significant_digits() {
        assertThat(TextReport.number(0.85949)).isEqualTo("0.859");
        assertThat(TextReport.number(50.6459)).isEqualTo("50.6");
        assertThat(TextReport.number(100)).isEqualTo("100");
        assertThat(TextReport.number(0.05)).isEqualTo("0.05");
        assertThat(TextReport.number(123456)).isEqualTo("1.23e+05");
        assertThat(TextReport.number(0.0001234)).isEqualTo("1.23e-04");
        assertThat(TextReport.number(0)).isEqualTo("0");
        assertThat(TextReport.number(Double.NaN)).isEqualTo("NaN");
        assertThat(TextReport.percent(1.0 / 3)).isEqualTo("33.3%");
    }
}
