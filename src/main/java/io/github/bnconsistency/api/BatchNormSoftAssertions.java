package io.github.bnconsistency.api;

import java.util.function.Consumer;
import org.assertj.core.api.AbstractSoftAssertions;
import org.assertj.core.api.SoftAssertionsProvider;

/**
 * Soft assertions: every failure is collected and reported together by {@link #assertAll()}.
 *
 * <pre>{@code
 * BatchNormSoftAssertions.assertSoftly(softly -> softly.assertThat(model)
 *     .inferenceMatchesTraining(data, 1e-3)                            // checks the model once
 *     .batchNormLayer("bn1").hasMeanShiftBelow(0.1).returnToModel()    // each layer reads that check
 *     .batchNormLayer("bn2").hasMeanShiftBelow(0.1));
 * }</pre>
 */
public class BatchNormSoftAssertions extends AbstractSoftAssertions implements BatchNormSoftAssertionsProvider {

    /**
     * Runs {@code softly} and then fails with every collected failure at once.
     *
     * @param softly the assertions to run, on the soft assertions it is given
     */
    public static void assertSoftly(Consumer<BatchNormSoftAssertions> softly) {
        SoftAssertionsProvider.assertSoftly(BatchNormSoftAssertions.class, softly);
    }
}
