package io.github.bnconsistency.api;

import org.junit.jupiter.api.Test;
import org.opentest4j.MultipleFailuresError;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SoftAssertionsTest {

    @Test
    void should_collect_every_failure_including_navigated_ones() {
        assertThatThrownBy(() -> BatchNormSoftAssertions.assertSoftly(softly -> {
            softly.assertThat(ApiFixtures.diverging()).as("model").inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-3);
            softly.assertThat(ApiFixtures.diverging()).probedWith(ApiFixtures.FEATURES).batchNormLayer("bn")
                    .hasMeanShiftBelow(0.1)
                    .hasVarianceRatioWithin(0.9, 1.1);
            softly.assertThat(ApiFixtures.converged()).hasConvergedBatchNormStatistics(ApiFixtures.FEATURES);
        }))
                .isInstanceOf(MultipleFailuresError.class)
                .hasMessageContaining("Multiple Failures (3 failures)")
                .hasMessageContaining("[model] \nExpecting inference outputs to match training outputs")
                .hasMessageContaining("to have a mean shift below 0.1")
                .hasMessageContaining("to have a variance ratio");
    }

    @Test
    void should_pass_when_nothing_fails() {
        BatchNormSoftAssertions softly = new BatchNormSoftAssertions();
        softly.assertThat(ApiFixtures.converged()).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-9)
                .batchNormLayer("bn").hasConvergedStatistics();
        softly.assertAll();
    }
}
