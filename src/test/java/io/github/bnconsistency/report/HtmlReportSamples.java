package io.github.bnconsistency.report;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.testing.DropoutModels;
import io.github.bnconsistency.testing.StoryModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Real reports for the HTML report's tests, each made by checking a real model: the story's small CNN (4 BN layers,
 * decay 0.99, 10 iterations of one batch of 12), the zoo's ResNet50 never trained (53 BN layers, 2 probe batches of
 * 4 images 96x96: inference output NaN, noise floors measured), and a dense network whose BN layer has a hostile name.
 *
 * <p>Each report is made once per JVM and shared by the tests; {@link #page} writes it to {@code target/html-report}
 * (the browser tests load it from there, and a person can open it). {@code main} writes all three.
 */
public final class HtmlReportSamples {

    /** Where the sample pages and the browser tests' screenshots go. */
    public static final Path DIRECTORY = Path.of("target", "html-report");

    /** The samples, by the file name their page gets. */
    public enum Sample {
        STORY("story"),
        RESNET50("resnet50"),
        HOSTILE("hostile"),
        VARIANCE_SHIFT("variance-shift");

        private final String fileName;
        private ConsistencyReport report;

        Sample(String fileName) {
            this.fileName = fileName;
        }

        /** The sample's report, made on first use. */
        public synchronized ConsistencyReport report() {
            if (report == null) {
                report = switch (this) {
                    case STORY -> story();
                    case RESNET50 -> resNet50();
                    case HOSTILE -> hostile();
                    case VARIANCE_SHIFT -> varianceShift();
                };
            }
            return report;
        }

        public String fileName() {
            return fileName;
        }
    }

    /** A layer name that would run a script and load an image if it were not escaped. */
    public static final String HOSTILE_NAME =
            "<script>document.title='pwned'</script><img src=\"http://192.0.2.1/x.png\">&amp;";

    private HtmlReportSamples() {}

    /** The story: small CNN, 4 BN layers at decay 0.99, 10 iterations of one batch of 12 images. */
    public static ConsistencyReport story() {
        DataSet images = StoryModels.storyData(101);
        MultiLayerNetwork model = StoryModels.storyCnn(0.99, 1);
        StoryModels.train(model, images, 10);
        return BatchNormInspector.inspect(model, images);
    }

    /** The zoo's ResNet50 (random init, no download), never trained, on 2 batches of 4 images 96x96. */
    public static ConsistencyReport resNet50() {
        ComputationGraph model = new ComputationGraph(ResNet50.builder()
                .numClasses(3)
                .inputShape(new int[] {3, 96, 96})
                .seed(42)
                .updater(new Adam(1e-3))
                .build()
                .graphBuilder()
                .build());
        model.init();
        List<DataSet> batches = List.of(squares(4, 96, 1), squares(4, 96, 2));
        return BatchNormInspector.inspect(model, ProbeData.of(new ListDataSetIterator<>(batches, 1)));
    }

    /** Dropout before the BN layer of a dense classifier trained 40 epochs in shuffled batches of 16: a shift. */
    public static ConsistencyReport varianceShift() {
        MultiLayerNetwork model = DropoutModels.trained(1);
        return BatchNormInspector.inspect(model, DropoutModels.validation(DropoutModels.data(1), 1));
    }

    /** A dense network whose only BN layer is named {@link #HOSTILE_NAME}, never trained: that layer is the root. */
    public static ConsistencyReport hostile() {
        return BatchNormInspector.inspect(hostileModel(), hostileData());
    }

    /** The network of {@link #hostile()}: dense, BN named {@link #HOSTILE_NAME}, softmax output with a hostile name too. */
    public static MultiLayerNetwork hostileModel() {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(3)
                .list()
                .layer(new DenseLayer.Builder()
                        .name("dense")
                        .nIn(4)
                        .nOut(6)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name(HOSTILE_NAME).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .name("out \"quoted\" & <b>bold</b>")
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build();
        MultiLayerNetwork model = new MultiLayerNetwork(conf);
        model.init();
        return model;
    }

    /** 16 examples of 4 features around 3 (sd 2), 3 classes in turn. */
    public static DataSet hostileData() {
        Random random = new Random(5);
        INDArray features = Nd4j.create(16, 4);
        INDArray labels = Nd4j.zeros(16, 3);
        for (int i = 0; i < 16; i++) {
            for (int j = 0; j < 4; j++) {
                features.putScalar(i, j, 3 + 2 * random.nextGaussian());
            }
            labels.putScalar(i, i % 3, 1);
        }
        return new DataSet(features, labels);
    }

    /** {@code n} images of {@code size} pixels in 3 classes: a bright square left, middle or right on faint noise. */
    public static DataSet squares(int n, int size, long seed) {
        Random random = new Random(seed);
        INDArray features = Nd4j.create(n, 3, size, size);
        INDArray labels = Nd4j.zeros(n, 3);
        int side = size / 4;
        for (int i = 0; i < n; i++) {
            int label = (int) ((i + seed) % 3);
            labels.putScalar(i, label, 1.0);
            int x0 = size / 16 + label * (size / 3);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        boolean in = x >= x0 && x < x0 + side && y >= size / 2 - side / 2 && y < size / 2 + side / 2;
                        features.putScalar(
                                new int[] {i, c, y, x},
                                in ? 0.8 + 0.2 * random.nextDouble() : 0.1 * random.nextDouble());
                    }
                }
            }
        }
        return new DataSet(features, labels);
    }

    /** Writes the sample's page to {@link #DIRECTORY} and returns its absolute path. */
    public static Path page(Sample sample) {
        return HtmlReport.write(sample.report(), DIRECTORY.resolve(sample.fileName() + ".html"))
                .toAbsolutePath();
    }

    public static void main(String[] args) {
        for (Sample sample : Sample.values()) {
            long start = System.nanoTime();
            Path page = page(sample);
            System.out.printf("%s: %.1f s -> %s%n", sample, (System.nanoTime() - start) / 1e9, page);
        }
    }
}
