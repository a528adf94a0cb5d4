/**
 * Shared by every stage of the data flow: the default tolerances and their argument check.
 * Uses no other package of this library.
 * <p>Not API: may change in any release.
 */
package io.github.bnconsistency.internal;
