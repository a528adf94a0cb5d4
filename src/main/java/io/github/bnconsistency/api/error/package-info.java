/**
 * The assertions' error-message factories, one per failure, each rendering the report it is given.
 * Part of the {@code api} layer: may use every package except {@code junit}. API.
 */
package io.github.bnconsistency.api.error;
