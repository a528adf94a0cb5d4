package io.github.bnconsistency.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the field holding the model {@link BatchNormConsistency} checks: a {@code MultiLayerNetwork} or
 * {@code ComputationGraph}, instance or static. Needed only when the test class has more than one field of those
 * types; with exactly one, that one is checked.
 *
 * <pre>{@code
 * @BatchNormConsistency
 * class ClassifierTest {
 *     @ModelUnderTest MultiLayerNetwork model = Models.classifier();
 *     MultiLayerNetwork teacher = Models.teacher();          // not checked
 *     @ConsistencyData DataSet probe = Data.validation();
 * }
 * }</pre>
 *
 * The field is read after the test body, so it may be assigned in the initializer, in {@code @BeforeEach} or in
 * the test itself.
 */
@Target(ElementType.FIELD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface ModelUnderTest {}
