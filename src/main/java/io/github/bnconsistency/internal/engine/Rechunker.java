package io.github.bnconsistency.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.SpecifiedIndex;

/**
 * Re-batches probe examples into batches of the training batch size, so that the training path sees batches of
 * the size the moving statistics were accumulated with (a batch's variance, and through it every later layer's
 * input, depends on its size). Each probe batch's examples are put in a fixed pseudo-random order first, so that
 * a validation set sorted by class still gives mixed batches. Holds at most one batch's worth of examples; a short
 * remainder at the end is used only when no full batch could be made.
 */
final class Rechunker {

    private final long size;
    private final Random order = new Random(20261201L);
    private INDArray[] pending;
    private boolean emitted;

    Rechunker(long size) {
        this.size = size;
    }

    /** Adds a probe batch's features; returns the full batches now available. */
    List<INDArray[]> add(INDArray[] features) {
        INDArray[] shuffled = permuted(features);
        pending = pending == null ? shuffled : concat(pending, shuffled);
        List<INDArray[]> full = new ArrayList<>();
        while (pending != null && pending[0].size(0) >= size) {
            full.add(rows(pending, 0, size));
            long left = pending[0].size(0) - size;
            pending = left == 0 ? null : rows(pending, size, pending[0].size(0));
        }
        emitted |= !full.isEmpty();
        return full;
    }

    /** The remainder, as one smaller batch, when no full batch was made; else nothing. */
    List<INDArray[]> finish() {
        List<INDArray[]> last = !emitted && pending != null ? java.util.Collections.singletonList(pending) : List.of();
        pending = null;
        return last;
    }

    private INDArray[] permuted(INDArray[] features) {
        int n = (int) features[0].size(0);
        long[] permutation = new long[n];
        for (int i = 0; i < n; i++) {
            permutation[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = order.nextInt(i + 1);
            long t = permutation[i];
            permutation[i] = permutation[j];
            permutation[j] = t;
        }
        INDArray[] result = new INDArray[features.length];
        for (int f = 0; f < features.length; f++) {
            INDArrayIndex[] index = all(features[f].rank());
            index[0] = new SpecifiedIndex(permutation);
            result[f] = features[f].get(index).dup();
        }
        return result;
    }

    static INDArray[] concat(INDArray[] a, INDArray[] b) {
        INDArray[] result = new INDArray[a.length];
        for (int f = 0; f < a.length; f++) {
            result[f] = Nd4j.concat(0, a[f], b[f]);
        }
        return result;
    }

    /** The given rows (repeats allowed) of each array, in that order. */
    static INDArray[] rowsAt(INDArray[] arrays, long[] rows) {
        INDArray[] result = new INDArray[arrays.length];
        for (int f = 0; f < arrays.length; f++) {
            INDArrayIndex[] index = all(arrays[f].rank());
            index[0] = new SpecifiedIndex(rows);
            result[f] = arrays[f].get(index).dup();
        }
        return result;
    }

    private static INDArray[] rows(INDArray[] arrays, long from, long to) {
        INDArray[] result = new INDArray[arrays.length];
        for (int f = 0; f < arrays.length; f++) {
            INDArrayIndex[] index = all(arrays[f].rank());
            index[0] = NDArrayIndex.interval(from, to);
            result[f] = arrays[f].get(index).dup();
        }
        return result;
    }

    private static INDArrayIndex[] all(int rank) {
        INDArrayIndex[] index = new INDArrayIndex[rank];
        for (int i = 0; i < rank; i++) {
            index[i] = NDArrayIndex.all();
        }
        return index;
    }
}
