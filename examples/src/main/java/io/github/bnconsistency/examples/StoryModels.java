package io.github.bnconsistency.examples;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The model of the motivating story: the zoo's ResNet50 for 3 classes of 96x96 images, randomly initialized (no
 * pretrained weights: nothing is downloaded), with Keras's default BatchNormalization momentum, decay 0.99, on
 * every one of its 53 BatchNormalization layers (the zoo's default is 0.9), trained with Adam at 1e-3.
 *
 * <pre>{@code
 * ComputationGraph model = StoryModels.resNet50(42);
 * DataSet images = SquareImages.generate(12, StoryModels.IMAGE_SIZE, 7);
 * for (int epoch = 0; epoch < 10; epoch++) {
 *     model.fit(images);   // one batch of 12 per epoch
 * }
 * }</pre>
 */
public final class StoryModels {

    /** Image side in pixels: ResNet50 builds from 75 pixels on; 96 keeps a fit iteration near 1.5 s on 2 cores. */
    public static final int IMAGE_SIZE = 96;

    /** Keras's default BatchNormalization momentum. */
    public static final double KERAS_DECAY = 0.99;

    private StoryModels() {
    }

    /** A fresh ResNet50, the same for the same seed, with {@link #KERAS_DECAY} on every BN layer. */
    public static ComputationGraph resNet50(long seed) {
        ComputationGraphConfiguration conf = ResNet50.builder()
                .numClasses(SquareImages.CLASSES)
                .inputShape(new int[] {3, IMAGE_SIZE, IMAGE_SIZE})
                .seed(seed)
                .updater(new Adam(1e-3))
                .build()
                .graphBuilder()
                .build();
        // Set on the configuration before init, so the network and its configuration (clones, JSON) agree.
        for (GraphVertex vertex : conf.getVertices().values()) {
            if (vertex instanceof LayerVertex layer && layer.getLayerConf().getLayer() instanceof BatchNormalization bn) {
                bn.setDecay(KERAS_DECAY);
            }
        }
        ComputationGraph model = new ComputationGraph(conf);
        model.init();
        return model;
    }
}
