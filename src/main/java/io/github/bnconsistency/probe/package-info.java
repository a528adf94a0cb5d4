/**
 * The first stage of the data flow, the probe data: the accepted input types ({@code ProbeData}) and the
 * mini-batches the engine reads from them, each used once ({@code ProbeBatch}).
 * May use {@code internal} only. API.
 */
package io.github.bnconsistency.probe;
