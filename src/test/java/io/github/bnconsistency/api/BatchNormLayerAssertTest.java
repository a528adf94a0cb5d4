package io.github.bnconsistency.api;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bnconsistency.testing.TinyNetworks;
import io.github.bnconsistency.testing.TinyNetworks.Layout;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

class BatchNormLayerAssertTest {

    /** Moving mean = data mean + 0.5 data sd on channel 1, moving variance = 4 x data variance on channel 2. */
    private static MultiLayerNetwork shifted() {
        return shifted(ApiFixtures.VALUES);
    }

    private static MultiLayerNetwork shifted(double[][][] values) {
        MultiLayerNetwork net = TinyNetworks.batchNormOnly(Layout.DENSE, false, 0.9, 1e-5);
        double[][] stats = TinyNetworks.meanAndBiasedVariance(values);
        double[] mean = stats[0].clone();
        double[] variance = stats[1].clone();
        mean[1] += 0.5 * Math.sqrt(variance[1] + 1e-5);
        variance[2] = 4 * (variance[2] + 1e-5) - 1e-5;
        TinyNetworks.setMovingStatistics(net.getLayer(0), mean, variance);
        return net;
    }

    @Test
    void should_pass_when_converged() {
        assertThat(ApiFixtures.converged())
                .probedWith(ApiFixtures.FEATURES)
                .batchNormLayer("bn")
                .hasConvergedStatistics()
                .hasMeanShiftBelow(1e-6)
                .hasVarianceRatioWithin(0.999999, 1.000001);
    }

    @Test
    void should_check_mean_shift_per_channel() {
        assertThat(shifted())
                .probedWith(ApiFixtures.FEATURES)
                .batchNormLayer("bn")
                .hasMeanShiftBelow(0.5001);
        assertThatThrownBy(() -> assertThat(shifted())
                        .probedWith(ApiFixtures.FEATURES)
                        .batchNormLayer("bn")
                        .hasMeanShiftBelow(0.4999))
                .hasMessageStartingWith(
                        "\nExpecting every channel of BatchNormalization layer \"bn\" to have a mean shift "
                                + "below 0.4999 batch standard deviations,\nbut channel 1 was off by 0.5 sd");
    }

    @Test
    void should_check_variance_ratio_per_channel() {
        assertThat(shifted())
                .probedWith(ApiFixtures.FEATURES)
                .batchNormLayer("bn")
                .hasVarianceRatioWithin(0.99, 4.0001);
        assertThatThrownBy(() -> assertThat(shifted())
                        .probedWith(ApiFixtures.FEATURES)
                        .batchNormLayer("bn")
                        .hasVarianceRatioWithin(0.5, 2))
                .hasMessageContaining("but channel 2 had 4 (batch variance");
    }

    @Test
    void should_fail_convergence_with_the_worst_channel_and_updates_needed() {
        // channel 2: s*/s_M = 1/2, so delta = 0.5; channel 1: delta = 0.5 as well (shift 0.5 sd, s_M = s*)
        MultiLayerNetwork shifted = shifted(ApiFixtures.MANY_VALUES);
        assertThatThrownBy(() -> assertThat(shifted)
                        .probedWith(ApiFixtures.MANY_FEATURES)
                        .batchNormLayer("bn")
                        .hasConvergedStatistics())
                .hasMessageStartingWith(
                        "\nExpecting BatchNormalization layer \"bn\" to have converged moving statistics "
                                + "(normalized divergence <= 0.05),\nbut D 0.5 at channel ")
                .hasMessageContaining("2 of 3 channels over 0.05")
                .hasMessageContaining("Updates needed: ~");
        assertThat(shifted)
                .probedWith(ApiFixtures.MANY_FEATURES)
                .batchNormLayer("bn")
                .hasConvergedStatistics(0.5001);
    }

    @Test
    void should_pass_a_shift_that_16_examples_cannot_tell_from_sampling_noise() {
        // half a standard deviation is 2 standard errors of a 16-example mean: within the noise of one such batch
        assertThat(shifted())
                .probedWith(ApiFixtures.FEATURES)
                .batchNormLayer("bn")
                .hasConvergedStatistics();
    }

    @Test
    void should_refuse_a_null_layer_name() {
        org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
                .isThrownBy(() ->
                        assertThat(shifted()).probedWith(ApiFixtures.FEATURES).batchNormLayer(null))
                .withMessageStartingWith("The layer name is null");
    }

    @Test
    void should_name_the_layers_there_are_when_the_name_is_unknown() {
        assertThatThrownBy(() -> assertThat(shifted())
                        .probedWith(ApiFixtures.FEATURES)
                        .batchNormLayer("bn9")
                        .hasConvergedStatistics())
                .hasMessage("\nExpecting the model to have a BatchNormalization layer named \"bn9\",\n"
                        + "but its BatchNormalization layers are bn.");
    }
}
