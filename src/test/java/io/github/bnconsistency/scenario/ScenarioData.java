package io.github.bnconsistency.scenario;

import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Synthetic but learnable classification data, generated deterministically from a seed: a training set of
 * {@link #TRAINING_EXAMPLES} single-example DataSets (batched by the trainer) and a separate validation set.
 * Classes are drawn at random per example, so consecutive examples form batches like random ones (a batch of
 * one class each would be composed unlike training batches). The classes overlap a little, so that some
 * examples sit near a decision boundary and a shift in the moving statistics can flip them.
 *
 * @param training   one DataSet per training example, features {@code [1, ...]}
 * @param validation all validation examples in one DataSet
 */
record ScenarioData(List<DataSet> training, DataSet validation) {

    /** Divisible by every training batch size of the study (4, 8, 16, 64) and by the other probe batch size 32. */
    static final int TRAINING_EXAMPLES = 384;
    /** Divisible by 4, 8, 16, 32 and 64, so every validation probe batch is full too. */
    static final int VALIDATION_EXAMPLES = 192;

    static final int CLASSES = 4;
    /** Dense input width. */
    static final int FEATURES = 12;
    /** CNN input: one channel of SIZE x SIZE pixels. */
    static final int SIZE = 12;

    ScenarioData {
        training = List.copyOf(training);
    }

    static ScenarioData generate(Scenario.Architecture architecture, long seed) {
        Random random = new Random(seed * 7919 + architecture.ordinal());
        Generator generator =
                architecture == Scenario.Architecture.DENSE ? new DenseGenerator(random) : new ImageGenerator();
        DataSet training = generator.examples(TRAINING_EXAMPLES, random);
        DataSet validation = generator.examples(VALIDATION_EXAMPLES, random);
        return new ScenarioData(training.asList(), validation);
    }

    private interface Generator {
        DataSet examples(int n, Random random);
    }

    /**
     * Gaussian clusters of unit spread, one per class, in 12 dimensions, at random places but scaled so that the
     * closest two centers are {@link #SEPARATION} apart (so every seed is about as hard: ~1% of examples fall past
     * the midpoint to their nearest rival), then each feature offset and scaled differently (so the first
     * BatchNormalization layer has real work to do).
     */
    private static final class DenseGenerator implements Generator {
        static final double SEPARATION = 4.6;
        private final double[][] centers = new double[CLASSES][FEATURES];
        private final double[] offset = new double[FEATURES];
        private final double[] scale = new double[FEATURES];

        DenseGenerator(Random random) {
            for (int k = 0; k < CLASSES; k++) {
                for (int j = 0; j < FEATURES; j++) {
                    centers[k][j] = random.nextGaussian();
                }
            }
            double closest = Double.POSITIVE_INFINITY;
            for (int a = 0; a < CLASSES; a++) {
                for (int b = a + 1; b < CLASSES; b++) {
                    double squares = 0;
                    for (int j = 0; j < FEATURES; j++) {
                        squares += (centers[a][j] - centers[b][j]) * (centers[a][j] - centers[b][j]);
                    }
                    closest = Math.min(closest, Math.sqrt(squares));
                }
            }
            for (double[] center : centers) {
                for (int j = 0; j < FEATURES; j++) {
                    center[j] *= SEPARATION / closest;
                }
            }
            for (int j = 0; j < FEATURES; j++) {
                offset[j] = -3 + 6 * random.nextDouble();
                scale[j] = 0.5 + 2.5 * random.nextDouble();
            }
        }

        @Override
        public DataSet examples(int n, Random random) {
            INDArray features = Nd4j.create(DataType.FLOAT, n, FEATURES);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, n, CLASSES);
            for (int i = 0; i < n; i++) {
                int k = random.nextInt(CLASSES);
                labels.putScalar(i, k, 1.0);
                for (int j = 0; j < FEATURES; j++) {
                    features.putScalar(i, j, offset[j] + scale[j] * (centers[k][j] + random.nextGaussian()));
                }
            }
            return new DataSet(features, labels);
        }
    }

    /**
     * Images of a short bar on noise; the class is the bar's orientation (horizontal, vertical, diagonal,
     * anti-diagonal), its position, length and brightness vary.
     */
    private static final class ImageGenerator implements Generator {
        private static final int[][] DIRECTIONS = {{0, 1}, {1, 0}, {1, 1}, {1, -1}};

        @Override
        public DataSet examples(int n, Random random) {
            INDArray features = Nd4j.create(DataType.FLOAT, n, 1, SIZE, SIZE);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, n, CLASSES);
            for (int i = 0; i < n; i++) {
                int k = random.nextInt(CLASSES);
                labels.putScalar(i, k, 1.0);
                double[][] image = new double[SIZE][SIZE];
                for (double[] row : image) {
                    for (int x = 0; x < SIZE; x++) {
                        row[x] = 0.3 + 0.35 * random.nextGaussian();
                    }
                }
                int length = 4 + random.nextInt(3);
                double brightness = 0.9 + 0.6 * random.nextDouble();
                int y0 = 2 + random.nextInt(SIZE - 4 - length + 1);
                int x0 = DIRECTIONS[k][1] < 0
                        ? length + 1 + random.nextInt(SIZE - length - 3)
                        : 2 + random.nextInt(SIZE - 4 - length + 1);
                if (k == 0) {
                    y0 = 2 + random.nextInt(SIZE - 4);
                } else if (k == 1) {
                    x0 = 2 + random.nextInt(SIZE - 4);
                }
                for (int s = 0; s < length; s++) {
                    image[y0 + s * DIRECTIONS[k][0]][x0 + s * DIRECTIONS[k][1]] += brightness;
                }
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        features.putScalar(new int[] {i, 0, y, x}, image[y][x]);
                    }
                }
            }
            return new DataSet(features, labels);
        }
    }
}
