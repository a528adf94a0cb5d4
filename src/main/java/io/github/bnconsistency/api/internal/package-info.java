/**
 * Internal to the library, not API: the verdicts the assertions and the JUnit extension share. The assert classes
 * in {@code io.github.bnconsistency.api} and the extension in {@code io.github.bnconsistency.junit} call it; nothing
 * else should, and it may change in any release.
 */
package io.github.bnconsistency.api.internal;
