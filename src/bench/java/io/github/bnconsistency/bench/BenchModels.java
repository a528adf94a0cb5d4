package io.github.bnconsistency.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.zoo.model.ResNet50;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The benchmark's models and data, all seeded. */
final class BenchModels {

    static final int BATCH = 12;
    static final int CLASSES = 3;
    static final int CNN_SIZE = 32;
    static final int RESNET_SIZE = 96;
    /** The peak-memory figure's model and batch: zoo ResNet50 as the zoo builds it (1000 classes, 3x224x224). */
    static final int ZOO_CLASSES = 1000;

    static final int ZOO_SIZE = 224;
    static final int ZOO_BATCH = 16;

    private BenchModels() {}

    /** Small CNN, batch 12 at 32x32: conv-BN-relu x3, global pooling, dense-BN-relu, softmax (4 BN layers). */
    static MultiLayerNetwork smallCnn(long seed) {
        return requireNoiseFree(smallCnn(seed, null));
    }

    /**
     * The small CNN with dropout (this retain probability) on conv2's input, upstream of bn2, bn3 and bn4: a check
     * of it, never trained, runs the noise-keeping sweep (its layers are off with noise upstream).
     */
    static MultiLayerNetwork smallCnnWithDropout(long seed, double retain) {
        return smallCnn(seed, retain);
    }

    private static MultiLayerNetwork smallCnn(long seed, Double conv2Retain) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(new Adam(1e-2))
                .weightInit(WeightInit.RELU)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv1")
                        .nOut(8)
                        .stride(2, 2)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn1").decay(0.99).build())
                .layer(new ActivationLayer.Builder()
                        .name("relu1")
                        .activation(Activation.RELU)
                        .build())
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv2")
                        .nOut(8)
                        .stride(2, 2)
                        .activation(Activation.IDENTITY)
                        .dropOut(
                                conv2Retain == null
                                        ? null
                                        : new org.deeplearning4j.nn.conf.dropout.Dropout(conv2Retain))
                        .build())
                .layer(new BatchNormalization.Builder().name("bn2").decay(0.99).build())
                .layer(new ActivationLayer.Builder()
                        .name("relu2")
                        .activation(Activation.RELU)
                        .build())
                .layer(new ConvolutionLayer.Builder(3, 3)
                        .name("conv3")
                        .nOut(8)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn3").decay(0.99).build())
                .layer(new ActivationLayer.Builder()
                        .name("relu3")
                        .activation(Activation.RELU)
                        .build())
                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG)
                        .name("pool")
                        .build())
                .layer(new DenseLayer.Builder()
                        .name("dense")
                        .nOut(16)
                        .activation(Activation.IDENTITY)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn4").decay(0.99).build())
                .layer(new ActivationLayer.Builder()
                        .name("relu4")
                        .activation(Activation.RELU)
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .name("out")
                        .nOut(CLASSES)
                        .activation(Activation.SOFTMAX)
                        .build())
                .setInputType(InputType.convolutional(CNN_SIZE, CNN_SIZE, 3))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** Zoo ResNet50 (53 BN layers), 3 classes at 96x96, random init (no download), Adam 1e-3 for the fit cases. */
    static ComputationGraph resnet50(long seed) {
        ComputationGraph graph = ResNet50.builder()
                .numClasses(CLASSES)
                .inputShape(new int[] {3, RESNET_SIZE, RESNET_SIZE})
                .seed(seed)
                .updater(new Adam(1e-3))
                .build()
                .init();
        return requireNoiseFree(graph);
    }

    /**
     * Zoo ResNet50 with the zoo's own input and classes (3x224x224, 1000), random init (no download), for the
     * peak-memory figure.
     */
    static ComputationGraph zooResnet50(long seed) {
        ComputationGraph graph = ResNet50.builder()
                .numClasses(ZOO_CLASSES)
                .inputShape(new int[] {3, ZOO_SIZE, ZOO_SIZE})
                .seed(seed)
                .build()
                .init();
        return requireNoiseFree(graph);
    }

    /** 16 images of 3x224x224, standard normal pixels, classes 0 to 15 (of 1000). */
    static DataSet zooBatch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, ZOO_BATCH, ZOO_CLASSES);
        for (int i = 0; i < ZOO_BATCH; i++) {
            labels.putScalar(i, i, 1.0);
        }
        return new DataSet(Nd4j.randn(DataType.FLOAT, ZOO_BATCH, 3, ZOO_SIZE, ZOO_SIZE), labels);
    }

    /** 12 images of 3x32x32, pixels uniform in [0, 1), classes in turn. */
    static DataSet cnnBatch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new DataSet(Nd4j.rand(DataType.FLOAT, BATCH, 3, CNN_SIZE, CNN_SIZE), labels());
    }

    /** 12 images of 3x96x96, standard normal pixels, classes in turn. */
    static DataSet resnetBatch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        return new DataSet(Nd4j.randn(DataType.FLOAT, BATCH, 3, RESNET_SIZE, RESNET_SIZE), labels());
    }

    private static INDArray labels() {
        INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, CLASSES);
        for (int i = 0; i < BATCH; i++) {
            labels.putScalar(i, i % CLASSES, 1.0);
        }
        return labels;
    }

    /**
     * An iterator over {@code batches} batches made one at a time as they are asked for (batch {@code i} from seed
     * {@code seed + i}), so the probe data itself never holds more than one batch.
     */
    static DataSetIterator streamed(int batches, long seed, LongFunction<DataSet> batch) {
        return new DataSetIterator() {
            private int next;
            private DataSetPreProcessor preProcessor;

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public DataSet next() {
                DataSet ds = batch.apply(seed + next++);
                if (preProcessor != null) {
                    preProcessor.preProcess(ds);
                }
                return ds;
            }

            @Override
            public DataSet next(int num) {
                return next();
            }

            @Override
            public int inputColumns() {
                return -1;
            }

            @Override
            public int totalOutcomes() {
                return CLASSES;
            }

            @Override
            public boolean resetSupported() {
                return true;
            }

            @Override
            public boolean asyncSupported() {
                return false;
            }

            @Override
            public void reset() {
                next = 0;
            }

            @Override
            public int batch() {
                return BATCH;
            }

            @Override
            public void setPreProcessor(DataSetPreProcessor preProcessor) {
                this.preProcessor = preProcessor;
            }

            @Override
            public DataSetPreProcessor getPreProcessor() {
                return preProcessor;
            }

            @Override
            public List<String> getLabels() {
                return null;
            }
        };
    }

    /**
     * The two-pass floor {@code output(x,false) + output(x,true)} is only the check's floor on a model without
     * training-only noise (the check runs its training path noise-free); both benchmark models are.
     */
    private static <M extends Model> M requireNoiseFree(M model) {
        List<Layer> layers = new ArrayList<>();
        if (model instanceof MultiLayerNetwork network) {
            network.getLayerWiseConfigurations().getConfs().forEach(c -> layers.add(c.getLayer()));
        } else {
            ((ComputationGraph) model)
                    .getConfiguration().getVertices().values().stream()
                            .flatMap(v -> v instanceof LayerVertex lv
                                    ? Stream.of(lv.getLayerConf().getLayer())
                                    : Stream.empty())
                            .forEach(layers::add);
        }
        for (Layer layer : layers) {
            if (layer.getIDropout() != null || (layer instanceof BaseLayer base && base.getWeightNoise() != null)) {
                throw new IllegalStateException("benchmark model has training-only noise in " + layer.getLayerName());
            }
        }
        return model;
    }
}
