package io.github.bnconsistency.api;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.opentest4j.MultipleFailuresError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

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
    void should_run_the_readme_example_on_one_check_and_collect_each_failure() {
        MultiLayerNetwork model = ApiFixtures.threeBatchNormLayers();   // bn1 diverges, bn2 matches
        INDArray validation = ApiFixtures.FEATURES;

        Throwable failures = catchThrowable(() -> {
            // README soft
            BatchNormSoftAssertions.assertSoftly(softly -> softly.assertThat(model)
                    .inferenceMatchesTraining(validation, 1e-3)                     // checks the model once
                    .batchNormLayer("bn1").hasMeanShiftBelow(0.05).returnToModel()  // each layer reads that check
                    .batchNormLayer("bn2").hasMeanShiftBelow(0.05).returnToModel()
                    .hasConvergedBatchNormStatistics());
            // END
        });

        assertThat(failures).isInstanceOf(MultipleFailuresError.class)
                .hasMessageContaining("Multiple Failures (3 failures)")
                .hasMessageContaining("Expecting inference outputs to match training outputs")
                .hasMessageContaining("BatchNormalization layer \"bn1\" to have a mean shift below 0.05")
                .hasMessageNotContaining("layer \"bn2\"")
                .hasMessageContaining("Expecting the moving statistics of every BatchNormalization layer");
    }

    @Test
    void should_show_the_readme_example_word_for_word() throws IOException {
        String source = Files.readString(Path.of("src/test/java/io/github/bnconsistency/api/SoftAssertionsTest.java"));
        String snippet = source.substring(source.indexOf("// README soft\n") + "// README soft\n".length(),
                source.indexOf("\n            // END"));
        String code = snippet.lines().map(line -> line.substring(Math.min(12, line.length())))
                .collect(Collectors.joining("\n"));

        assertThat(Files.readString(Path.of("README.md"))).contains("```java\n" + code + "\n```\n");
    }

    @Test
    void should_pass_when_nothing_fails() {
        BatchNormSoftAssertions softly = new BatchNormSoftAssertions();
        softly.assertThat(ApiFixtures.converged()).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-9)
                .batchNormLayer("bn").hasConvergedStatistics();
        softly.assertAll();
    }
}
