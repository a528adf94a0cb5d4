/**
 * The engine, from probe data to verdicts: model adapters (BatchNormalization layers in topological order), the
 * training-path and inference-path forward passes, per-channel accumulators, the divergence math and the layer
 * verdicts; also recalibration and the listener's convergence probe. May use {@code internal}, {@code probe},
 * {@code report}. <p>Not API: may change in any release.
 */
package io.github.bnconsistency.internal.engine;
