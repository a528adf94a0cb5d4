/**
 * The lint stage, after the verdicts: rules on the configuration and on what a check saw that explain why moving
 * statistics cannot or will not converge ({@code BatchNormLint}, findings as {@code report.LintFinding}).
 * May use {@code internal}, {@code internal.engine}, {@code probe}, {@code report}. API.
 */
package io.github.bnconsistency.lint;
