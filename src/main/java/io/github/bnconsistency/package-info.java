/**
 * The entry points, which run the whole flow from probe data to report: {@code BatchNormInspector},
 * {@code BatchNormRecalibration}, {@code BatchNormConvergenceListener} and their options and results.
 * May use every package below it ({@code internal}, {@code probe}, {@code report}, {@code internal.engine},
 * {@code lint}, {@code internal.diagnosis}), never {@code api} or {@code junit}. API.
 */
package io.github.bnconsistency;
