package io.github.bnconsistency.junit;

import io.github.bnconsistency.InspectionOptions;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * After each test that passed, checks the test's model on its probe data and fails the test when the model's
 * inference outputs differ from its training outputs by more than {@link #tolerance()}: the BatchNormalization
 * moving statistics have not converged. The failure message is the same report
 * {@code ConsistencyReportAssert.inferenceMatchesTraining} gives (root-cause layer, per-layer table, what to do).
 *
 * <pre>{@code
 * @BatchNormConsistency(tolerance = 1e-3)
 * class ClassifierTest {
 *     @ModelUnderTest MultiLayerNetwork model = Models.classifier();
 *     @ConsistencyData DataSetIterator probe() { return Data.validationIterator(); }
 *
 *     @Test
 *     void learnsTheTrainingSet() {
 *         model.fit(Data.trainIterator(), 5);
 *         // ... the test's own assertions; the extension checks the model afterwards
 *     }
 * }
 * }</pre>
 *
 * <p>The model is the field annotated {@link ModelUnderTest}, or when none is, the only field of type
 * {@code MultiLayerNetwork} or {@code ComputationGraph}; the probe data is the field or no-argument method
 * annotated {@link ConsistencyData}. For {@code @Nested} classes both are looked up on the innermost test
 * instance first, then on the enclosing ones.
 *
 * <p>On a class the annotation applies to its test methods, to its subclasses and to its {@code @Nested}
 * classes; on a method it overrides the class's. Each attribute is resolved on its own, first set wins:
 * method, class, enclosing class, configuration parameter ({@link #TOLERANCE_KEY}, {@link #LAYER_TOLERANCE_KEY},
 * {@link #MODE_KEY}, {@link #TRAINING_BATCH_SIZE_KEY}, {@link #JUDGE_BY_KEY}, {@link #MIN_AGREEMENT_KEY} in {@code junit-platform.properties} or as {@code -D}), built-in default.
 *
 * <p>By default only the output tolerance decides pass or fail: layers whose statistics are off but do not move the
 * outputs beyond the tolerance are listed in the report entries and the JSON report, not failed on. {@link #judgeBy()}
 * chooses another judgement: the predictions ({@link JudgeBy#PREDICTIONS}) or the layers' statistics
 * ({@link JudgeBy#STATISTICS}).
 *
 * <p>Every check publishes report entries (see {@link ReportEntries}) and, unless
 * {@link #REPORT_DIRECTORY_KEY} is {@code none}, writes one JSON report per test under
 * {@value #DEFAULT_REPORT_DIRECTORY}.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(BatchNormConsistencyExtension.class)
public @interface BatchNormConsistency {

    /** Configuration parameter: the output tolerance when no annotation sets one, e.g. {@code 1e-3}. */
    String TOLERANCE_KEY = "bnconsistency.tolerance";

    /** Configuration parameter: the per-layer divergence tolerance when no annotation sets one, e.g. {@code 0.05}. */
    String LAYER_TOLERANCE_KEY = "bnconsistency.layerTolerance";

    /** Configuration parameter: the mode when no annotation sets one: {@code fail}, {@code report_only} or {@code off}. */
    String MODE_KEY = "bnconsistency.mode";

    /**
     * Configuration parameter: the mini-batch size the model was trained with when no annotation sets one, an integer
     * of at least 2, e.g. {@code 16}. Not set, the probe's batch size is taken for it.
     */
    String TRAINING_BATCH_SIZE_KEY = "bnconsistency.trainingBatchSize";

    /**
     * Configuration parameter: what the check judges by when no annotation sets it: {@code outputs},
     * {@code predictions} or {@code statistics} (see {@link JudgeBy}).
     */
    String JUDGE_BY_KEY = "bnconsistency.judgeBy";

    /**
     * Configuration parameter: the smallest fraction of agreeing predictions that passes when judging by
     * {@link JudgeBy#PREDICTIONS} and no annotation sets one, in {@code (0, 1]}, e.g. {@code 0.99}.
     */
    String MIN_AGREEMENT_KEY = "bnconsistency.minAgreement";

    /**
     * Configuration parameter: the directory the JSON reports go to, relative to the working directory unless
     * absolute; {@code none} writes no files.
     */
    String REPORT_DIRECTORY_KEY = "bnconsistency.reportDirectory";

    /** The output tolerance when neither an annotation nor {@link #TOLERANCE_KEY} sets one. */
    double DEFAULT_TOLERANCE = 1e-3;

    /** The per-layer tolerance when neither an annotation nor {@link #LAYER_TOLERANCE_KEY} sets one. */
    double DEFAULT_LAYER_TOLERANCE = InspectionOptions.DEFAULT_LAYER_TOLERANCE;

    /** The minimum prediction agreement when neither an annotation nor {@link #MIN_AGREEMENT_KEY} sets one. */
    double DEFAULT_MIN_AGREEMENT = 0.99;

    /** {@link #trainingBatchSize()}'s unset value: inherit (and, when nothing sets it, take the probe's batch size). */
    int INHERIT_TRAINING_BATCH_SIZE = 0;

    /** Where the JSON reports go when {@link #REPORT_DIRECTORY_KEY} is not set (Maven's build directory). */
    String DEFAULT_REPORT_DIRECTORY = "target/bnconsistency-reports";

    /** The value of {@link #REPORT_DIRECTORY_KEY} that turns the JSON reports off. */
    String NO_REPORT_DIRECTORY = "none";

    /**
     * The largest {@code |y_train - y_inference|} over every network output value that passes, a positive finite
     * number. Unset (NaN) inherits, see the class comment; the built-in default is {@value #DEFAULT_TOLERANCE}.
     *
     * @return the tolerance, or NaN to inherit
     */
    double tolerance() default Double.NaN;

    /**
     * The normalized divergence above which a layer counts as not converged, in the report's table, the root
     * cause and the {@link ReportEntries#DIVERGING_LAYERS} entry; a positive finite number. Unset (NaN) inherits;
     * the built-in default is {@value #DEFAULT_LAYER_TOLERANCE}.
     *
     * @return the per-layer tolerance, or NaN to inherit
     */
    double layerTolerance() default Double.NaN;

    /**
     * The mini-batch size the model was trained with, at least 2: the moving statistics converge to the statistics of
     * batches of that size, so the outputs are compared with the model normalizing with the target statistics of
     * such batches (the training path itself when the probe is one batch of that size). Unset
     * ({@value #INHERIT_TRAINING_BATCH_SIZE}) inherits; when nothing sets it, the probe's batch size is taken for it.
     *
     * <pre>{@code
     * @BatchNormConsistency(trainingBatchSize = 16)
     * }</pre>
     *
     * @return the training batch size, or {@value #INHERIT_TRAINING_BATCH_SIZE} to inherit
     */
    int trainingBatchSize() default INHERIT_TRAINING_BATCH_SIZE;

    /**
     * What decides pass or fail: the outputs at {@link #tolerance()} (the built-in default), the predictions at
     * {@link #minAgreement()}, or the statistics at {@link #layerTolerance()}. {@link JudgeBy#INHERIT} inherits.
     *
     * <pre>{@code
     * @BatchNormConsistency(judgeBy = JudgeBy.PREDICTIONS, minAgreement = 0.98)
     * }</pre>
     *
     * @return what decides pass or fail
     */
    JudgeBy judgeBy() default JudgeBy.INHERIT;

    /**
     * When judging by {@link JudgeBy#PREDICTIONS}: the smallest fraction of classified examples whose inference
     * argmax equals the reference's that passes, in {@code (0, 1]}. Unset (NaN) inherits; the built-in default is
     * {@value #DEFAULT_MIN_AGREEMENT}.
     *
     * @return the smallest agreement that passes, or NaN to inherit
     */
    double minAgreement() default Double.NaN;

    /**
     * Fail, report only, or off. {@link Mode#INHERIT} inherits; the built-in default is {@link Mode#FAIL}.
     *
     * @return what happens when the check fails
     */
    Mode mode() default Mode.INHERIT;
}
