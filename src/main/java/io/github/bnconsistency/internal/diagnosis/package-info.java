/**
 * The diagnosis stage, after lint: decides the fixes a report advises from its layer verdicts and lint findings
 * ({@code Remedies}); renderers only print them. May use {@code internal}, {@code internal.engine}, {@code lint},
 * {@code probe}, {@code report}.
 * <p>Not API: may change in any release.
 */
package io.github.bnconsistency.internal.diagnosis;
