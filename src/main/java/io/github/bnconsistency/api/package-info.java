/**
 * The assertions at the end of the flow: AssertJ assertions on a model or a {@code ConsistencyReport}
 * ({@code BatchNormAssertions.assertThat}, soft assertions), whose failure messages render the report.
 * May use every package except {@code junit}. API.
 */
package io.github.bnconsistency.api;
