package io.github.bnconsistency.api;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bnconsistency.probe.ProbeData;
import org.junit.jupiter.api.Test;

class HasConvergedBatchNormStatisticsTest {

    @Test
    void should_pass_when_moving_statistics_equal_the_data_statistics() {
        assertThat(ApiFixtures.converged()).hasConvergedBatchNormStatistics(ApiFixtures.FEATURES);
    }

    @Test
    void should_fail_listing_the_diverging_layers() {
        assertThatThrownBy(
                        () -> assertThat(ApiFixtures.diverging()).hasConvergedBatchNormStatistics(ApiFixtures.FEATURES))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith(
                        "\nExpecting the moving statistics of every BatchNormalization layer to match the "
                                + "probe data within normalized divergence 0.05,\nbut 1 of 1 layers have not converged.\n"
                                + "Root cause: bn ")
                .hasMessageContaining("\n  bn     yes  3/3  ");
    }

    @Test
    void should_pass_with_a_layer_tolerance_above_the_divergence() {
        // moving mean 0 / variance 1 against channel means -2, 0, 2 and sds 0.5, 1.5, 2.5: the largest
        // divergence is channel 0's, sqrt((0.5/1 - 1)^2 + (2/1)^2) = 2.06 (up to sampling of 16 examples)
        assertThat(ApiFixtures.diverging()).hasConvergedBatchNormStatistics(ProbeData.of(ApiFixtures.FEATURES), 5.0);
        assertThat(ApiFixtures.diverging()).probedWith(ApiFixtures.FEATURES).hasConvergedBatchNormStatistics(5.0);
        assertThatThrownBy(() -> assertThat(ApiFixtures.diverging())
                        .hasConvergedBatchNormStatistics(ProbeData.of(ApiFixtures.FEATURES), 1.0))
                .hasMessageContaining("within normalized divergence 1,");
        assertThatThrownBy(() -> assertThat(ApiFixtures.diverging())
                        .probedWith(ApiFixtures.FEATURES)
                        .hasConvergedBatchNormStatistics(1.0))
                .hasMessageContaining("within normalized divergence 1,");
    }

    @Test
    void should_fail_for_a_model_without_batch_normalization() {
        assertThatThrownBy(() -> assertThat(ApiFixtures.withoutBatchNorm())
                        .hasConvergedBatchNormStatistics(ApiFixtures.FEATURES))
                .hasMessage(
                        "\nExpecting the moving statistics of every BatchNormalization layer to match the probe data "
                                + "within normalized divergence 0.05,\nbut the MultiLayerNetwork has no BatchNormalization layer.");
    }
}
