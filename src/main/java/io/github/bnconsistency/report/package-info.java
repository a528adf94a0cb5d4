/**
 * The report stage and the vocabulary of every stage: the immutable records of a check ({@code ConsistencyReport},
 * layer, channel, output and lint findings), and the renderers that read only them ({@code TextReport},
 * {@code JsonReport}, number formatting in {@code Numbers}). May use {@code internal} only. API.
 */
package io.github.bnconsistency.report;
