package io.github.bnconsistency.docs;

import io.github.bnconsistency.BatchNormConvergenceListener;
import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.Recalibration;
import io.github.bnconsistency.lint.BatchNormLint;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.TextReport;
import io.github.bnconsistency.testing.StoryModels;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's snippets for recalibration, sampling noise, lint and the listener: each region between
 * {@code // README <name>} and {@code // END} below runs here and appears in the README word for word.
 */
class DiagnosisSnippetsTest {

    private static final DataSet DATA = StoryModels.storyData(101);

    private static MultiLayerNetwork storyModel() {
        MultiLayerNetwork model = StoryModels.storyCnn(0.99, 1);
        StoryModels.train(model, DATA, 10);
        return model;
    }

    @Test
    void recalibration() {
        MultiLayerNetwork model = storyModel();
        DataSet data = DATA;
        // README recalibration
        Recalibration<MultiLayerNetwork> fixed = BatchNormRecalibration.recalibratedCopy(model, data);
        System.out.println(TextReport.render(fixed.before()));   // what was off
        System.out.println(fixed.recalibratedLayers());           // [bn1, bn2, bn3, bn4]
        assertThat(fixed.model()).inferenceMatchesTraining(data, 1e-4);
        // END
        assertThat(fixed.skippedLayers()).isEmpty();
    }

    @Test
    void sampling_noise() {
        MultiLayerNetwork model = storyModel();
        DataSetIterator probe = new ListDataSetIterator<>(StoryModels.images(48, 5).asList(), 8);
        // README noise
        ConsistencyReport report = BatchNormInspector.inspect(model, probe);
        for (LayerFinding layer : report.layers()) {
            // CONVERGED, WITHIN_NOISE (passes the convergence assertions), NOT_CONVERGED, VARIANCE_SHIFT, CORRUPTED, UNSUPPORTED
            System.out.printf("%s %s D=%.3f noise floor=%.3f%n",
                    layer.name(), layer.status(), layer.maxDivergence(), layer.noiseFloor());
        }
        // END
        assertThat(report.probe().batches()).isEqualTo(6);
        assertThat(report.layers()).allSatisfy(l -> assertThat(l.noiseFloor()).isPositive());
    }

    @Test
    void lint() {
        MultiLayerNetwork model = StoryModels.storyCnn(0.9, 1);
        StoryModels.train(model, DATA, 60);
        // README lint
        BatchNormLint.check(model).forEach(System.out::println);   // nothing for this model
        assertThat(model).passesBatchNormLint();                     // the configuration rules
        assertThat(model).probedWith(DATA).passesBatchNormLint();    // and what the data shows
        // END
        assertThat(BatchNormLint.check(storyModel())).hasSize(4);
    }

    @Test
    void listener() {
        MultiLayerNetwork model = StoryModels.storyCnn(0.9, 1);
        DataSet data = DATA;
        // README listener
        BatchNormConvergenceListener watch = BatchNormConvergenceListener.every(10).reportingTo(System.out::println);
        model.setListeners(watch);
        for (int i = 0; i < 30; i++) {
            model.fit(data);
        }
        // prints "iteration 0: ...", "iteration 10: ...", "iteration 20: 4 of 4 BatchNormalization layers off, max D 0.722 (bn4)"
        // END
        assertThat(watch.snapshots()).hasSize(3);
    }

    @Test
    void readme_quick_start_is_the_quick_start_test_with_its_imports() throws IOException {
        String source = Files.readString(Path.of("src/test/java/io/github/bnconsistency/docs/QuickStartTest.java"));
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("## Quick start");
        String quickStart = readme.substring(start, readme.indexOf("\n## ", start + 1)); // up to the next section
        source.lines().filter(line -> line.startsWith("import ")).forEach(line -> assertThat(quickStart).contains(line));
        String body = source.substring(source.indexOf("    @Test"), source.lastIndexOf("}"));
        assertThat(quickStart).contains(body);
    }

    @Test
    void readme_contains_every_snippet_word_for_word() throws IOException {
        String source = Files.readString(Path.of("src/test/java/io/github/bnconsistency/docs/DiagnosisSnippetsTest.java"));
        String readme = Files.readString(Path.of("README.md"));
        Matcher snippet = Pattern.compile("\\n( *)// README (\\w+)\\n(.*?)\\n *// END", Pattern.DOTALL).matcher(source);
        int found = 0;
        while (snippet.find()) {
            String indent = snippet.group(1);
            String code = snippet.group(3).lines().map(l -> l.startsWith(indent) ? l.substring(indent.length()) : l)
                    .reduce((a, b) -> a + "\n" + b).orElse("");
            assertThat(readme).as("README snippet '%s'", snippet.group(2)).contains("```java\n" + code + "\n```");
            found++;
        }
        assertThat(found).isEqualTo(4);
    }
}
