/**
 * The JUnit 5 extension at the end of the flow: {@code @BatchNormConsistency} checks a test's model on its probe
 * data after the test and fails it with the same report the assertions render.
 * May use every package, {@code api} included; nothing else may use it. API.
 */
package io.github.bnconsistency.junit;
