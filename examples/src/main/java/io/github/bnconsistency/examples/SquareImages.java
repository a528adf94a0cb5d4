package io.github.bnconsistency.examples;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * Synthetic images that a network can learn in a few iterations: class {@code k} of 3 has a bright square in the
 * left, middle or right third of the image, on faint noise. Pixels are in [0, 1], NCHW, 3 channels; examples
 * take the classes in turn. The same seed gives the same images.
 *
 * <pre>{@code
 * DataSet twelve = SquareImages.generate(12, 96, 7);   // features [12, 3, 96, 96], one-hot labels [12, 3]
 * }</pre>
 */
public final class SquareImages {

    /** Number of classes: one per position of the square. */
    public static final int CLASSES = 3;

    private SquareImages() {
    }

    /** {@code count} images of {@code size} x {@code size} pixels ({@code size} at least 12). */
    public static DataSet generate(int count, int size, long seed) {
        if (count < 1 || size < 12) {
            throw new IllegalArgumentException("Need at least one image of at least 12x12 pixels, got " + count
                    + " of " + size + "x" + size + ".");
        }
        Random random = new Random(seed);
        int third = size / CLASSES;
        int side = third * 3 / 4;
        int top = (size - side) / 2;
        float[] pixels = new float[count * 3 * size * size];
        INDArray labels = Nd4j.zeros(count, CLASSES);
        int i = 0;
        for (int n = 0; n < count; n++) {
            int label = n % CLASSES;
            labels.putScalar(n, label, 1.0);
            int left = label * third + (third - side) / 2;
            for (int channel = 0; channel < 3; channel++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        boolean square = x >= left && x < left + side && y >= top && y < top + side;
                        pixels[i++] = square ? 0.8f + 0.2f * random.nextFloat() : 0.1f * random.nextFloat();
                    }
                }
            }
        }
        INDArray features = Nd4j.create(pixels, new long[] {count, 3, size, size}, 'c');
        return new DataSet(features, labels);
    }
}
