package io.github.bnconsistency.junit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * The README's "JUnit 5 extension" section: its copy-paste example is src/test/java/readme/ClassifierTest.java
 * word for word, it runs and fails the way the README shows, and every configuration key and report entry key
 * is documented.
 */
class ReadmeExampleTest {

    private static String readme;

    @BeforeAll
    static void readTheReadme() throws Exception {
        readme = Files.readString(Path.of("README.md"));
    }

    @Test
    void should_show_the_example_exactly_as_it_is_tested() throws Exception {
        String source = Files.readString(Path.of("src/test/java/readme/ClassifierTest.java"));
        String example = source.substring(source.indexOf("import "));

        assertThat(readme).contains("```java\n" + example + "```\n");
    }

    @Test
    void should_fail_the_example_with_the_message_the_readme_shows() throws Exception {
        EngineExecutionResults results = Fixtures.run(Class.forName("readme.ClassifierTest"));

        // one epoch fails, twenty pass: the same check tells the undertrained model from the trained one
        results.testEvents()
                .assertStatistics(stats -> stats.started(2).failed(1).succeeded(1));
        Throwable failure = Fixtures.failure(results, "learnsInOneEpoch");
        assertThat(failure)
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("\nExpecting inference outputs to match training outputs within 0.001")
                .hasMessageContaining("Root cause: bn (BN layer 1 of 1");
        assertThat(readme)
                .as("the README shows the failure message as it is")
                .contains("```\n" + failure.getMessage().stripLeading() + "\n```\n");
    }

    @Test
    void should_document_every_configuration_key_and_report_entry_key() {
        assertThat(readme)
                .contains(
                        BatchNormConsistency.TOLERANCE_KEY,
                        BatchNormConsistency.LAYER_TOLERANCE_KEY,
                        BatchNormConsistency.MODE_KEY,
                        BatchNormConsistency.REPORT_DIRECTORY_KEY,
                        BatchNormConsistency.TRAINING_BATCH_SIZE_KEY,
                        BatchNormConsistency.JUDGE_BY_KEY,
                        BatchNormConsistency.MIN_AGREEMENT_KEY,
                        BatchNormConsistency.DEFAULT_REPORT_DIRECTORY,
                        ReportEntries.VERDICT,
                        ReportEntries.ROOT_LAYER,
                        ReportEntries.MAX_OUTPUT_DIFFERENCE,
                        ReportEntries.DIVERGING_LAYERS,
                        ReportEntries.REPORT_FILE,
                        ReportEntries.REPORT_TEXT);
    }
}
