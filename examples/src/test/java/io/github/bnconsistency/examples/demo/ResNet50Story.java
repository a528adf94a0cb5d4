package io.github.bnconsistency.examples.demo;

import io.github.bnconsistency.report.Numbers;
import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.Recalibration;
import io.github.bnconsistency.examples.SquareImages;
import io.github.bnconsistency.examples.StoryModels;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.HtmlReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.OutputDivergence;
import io.github.bnconsistency.report.TextReport;
import io.github.bnconsistency.report.UpdatesNeeded;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;

/**
 * The motivating story in a terminal, end to end: a ResNet50 with Keras's BatchNormalization momentum (decay
 * 0.99) trained 10 epochs of one batch on 12 images reaches 100% accuracy in training mode and stays at 33% at
 * inference, on the very same images. Then the library's diagnosis (root layer, how many of the 53 layers
 * diverge, how many more updates they need), written as an HTML page too ({@code target/resnet50-story.html}, path
 * printed), and the fix: recalibrate the moving statistics, after which inference matches training and the check
 * passes. Seeded: every run prints the same numbers.
 *
 * <p>Run from the repository root (about two minutes on 2 cores):
 * <pre>
 * mvn -q -DskipTests install &amp;&amp; mvn -q -f examples/pom.xml test-compile exec:exec@demo
 * </pre>
 */
public final class ResNet50Story {

    private static final int EPOCHS = 10;
    private static final long MODEL_SEED = 42;
    private static final long IMAGE_SEED = 1;
    private static final double TOLERANCE = 1e-3;

    private ResNet50Story() {
    }

    public static void main(String[] args) {
        System.out.println("""
                The story: a ResNet50 reaches 100% training accuracy on 12 images, and 33% on the same images at
                inference. Everyone suspects overfitting.

                  model   zoo ResNet50, random init, 53 BatchNormalization layers at decay 0.99 (Keras's default)
                  data    12 images 96x96 in 3 classes (a bright square left, middle or right)
                  train   10 epochs of one batch of 12, Adam 1e-3
                """);
        ComputationGraph model = StoryModels.resNet50(MODEL_SEED);
        DataSet images = SquareImages.generate(12, StoryModels.IMAGE_SIZE, IMAGE_SEED);

        ConsistencyReport report = null;
        for (int epoch = 1; epoch <= EPOCHS; epoch++) {
            // The line shows "training..." while the epoch trains (a few seconds); the accuracies complete it.
            System.out.printf("  epoch %2d/%d  training...", epoch, EPOCHS);
            System.out.flush();
            model.fit(images);
            report = BatchNormInspector.inspect(model, images); // both paths on the same images, model unchanged
            System.out.printf("  training-path accuracy %5s   inference accuracy %5s%n",
                    Numbers.percent(report.output().trainingAccuracy()),
                    Numbers.percent(report.output().inferenceAccuracy()));
        }

        LayerFinding root = report.rootCause().orElseThrow();
        System.out.printf("""

                Not overfitting: the same weights on the same images. BatchNormalization normalizes with the batch's
                statistics in training and with its moving statistics at inference, and after %d updates at decay
                0.99 those still weigh their initial values 0.99^%d = %.2f. The library's report:

                """, EPOCHS, EPOCHS, Math.pow(0.99, EPOCHS));
        System.out.println(TextReport.render(report));
        Path page = HtmlReport.write(report, Path.of("target", "resnet50-story.html")).toAbsolutePath();
        System.out.println();
        System.out.println("The same report as a page (chart of the 53 layers, each layer's channels): " + page);
        long slowest = report.layers().stream().filter(l -> l.updatesNeeded().kind() == UpdatesNeeded.Kind.ESTIMATE)
                .mapToLong(l -> l.updatesNeeded().iterations()).max().orElse(0);
        System.out.printf("""

                In short: root cause %s (%s more updates needed at decay %s), %d of %d BatchNormalization layers
                diverge, ~%d more iterations until the slowest converges, if the weights stood still.

                The fix: recalibrate the moving statistics on the training data (one training-path pass),
                  BatchNormRecalibration.recalibrate(model, images);
                """, root.name(), root.updatesNeeded(), root.decay(), report.divergingLayers().size(),
                report.layers().size(), slowest);

        Recalibration<ComputationGraph> recalibration = BatchNormRecalibration.recalibrate(model, images);
        OutputDivergence after = BatchNormInspector.inspect(model, images).output();
        System.out.printf("""
                  recalibrated %d layers: training-path accuracy %s, inference accuracy %s
                  (max |train - inference| %s, argmax agreement %d/%d)
                """, recalibration.recalibratedLayers().size(),
                Numbers.percent(after.trainingAccuracy()), Numbers.percent(after.inferenceAccuracy()),
                Numbers.number(after.maxAbsDifference()), after.argmaxAgreements(), after.classifiedExamples());

        assertThat(model).inferenceMatchesTraining(images, TOLERANCE).hasConvergedBatchNormStatistics();
        System.out.printf("""
                  assertThat(model).inferenceMatchesTraining(images, %s).hasConvergedBatchNormStatistics(): passed
                """, TOLERANCE);
    }
}
