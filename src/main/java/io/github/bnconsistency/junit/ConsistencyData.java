package io.github.bnconsistency.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the probe data {@link BatchNormConsistency} checks the model on: a field, or a method without parameters,
 * instance or static, of one of the types {@code ProbeData.from} accepts ({@code INDArray}, {@code DataSet},
 * {@code DataSetIterator}, {@code MultiDataSet}, {@code MultiDataSetIterator} or {@code ProbeData}).
 *
 * <pre>{@code
 * @BatchNormConsistency(tolerance = 1e-3)
 * class ClassifierTest {
 *     @ModelUnderTest MultiLayerNetwork model = Models.classifier();
 *     @ConsistencyData DataSetIterator probe() { return Data.validationIterator(); }
 * }
 * }</pre>
 *
 * A method is called anew for every check, so each test gets a fresh iterator. A field is read at every check;
 * an iterator held in a field is shared by the tests (it is reset before reuse when it supports reset).
 * Use the batch size you train with: the statistics are computed per mini-batch.
 */
@Target({ElementType.FIELD, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ConsistencyData {}
