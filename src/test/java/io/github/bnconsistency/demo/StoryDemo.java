package io.github.bnconsistency.demo;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.Numbers;
import io.github.bnconsistency.report.TextReport;
import io.github.bnconsistency.testing.StoryModels;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The motivating story in a terminal: a small CNN with BatchNormalization at Keras's momentum (decay 0.99),
 * trained 10 epochs of one batch on 12 images, is perfect in training mode and at chance at inference, on the
 * very same images. Then what the library says about it.
 *
 * <p>Run: {@code mvn -q test-compile exec:exec@demo}
 */
public final class StoryDemo {

    private StoryDemo() {}

    public static void main(String[] args) {
        DataSet images = StoryModels.storyData(101);
        MultiLayerNetwork model = StoryModels.storyCnn(0.99, 1);
        System.out.println(
                "Training a small CNN (4 BatchNormalization layers, decay 0.99 as Keras's default momentum)");
        System.out.println("on 12 images of 3 classes, one batch of 12 per epoch:");
        ConsistencyReport report = null;
        for (int epoch = 1; epoch <= 10; epoch++) {
            model.fit(images);
            report = BatchNormInspector.inspect(model, images);
            System.out.printf(
                    "  epoch %2d: training-mode accuracy %5s, inference accuracy %5s%n",
                    epoch,
                    Numbers.percent(report.output().trainingAccuracy()),
                    Numbers.percent(report.output().inferenceAccuracy()));
        }
        System.out.println();
        System.out.println("Same images, same weights: not overfitting. What the check says:");
        System.out.println();
        System.out.println(TextReport.render(report));
    }
}
