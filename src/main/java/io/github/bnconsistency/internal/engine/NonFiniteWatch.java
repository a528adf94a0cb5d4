package io.github.bnconsistency.internal.engine;

import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where an inference pass's non-finite values start, watched at the BatchNormalization layers' inputs and outputs
 * while the pass runs (one sum per array, see {@link ForwardPass#isFinite}): the layer that wrote the first such
 * input (the site's producer), or the first site whose output is not finite. Only when the values start after the
 * last site does a pass that keeps every activation have to find them ({@link ModelAdapter#forward}).
 */
final class NonFiniteWatch {

    private final ModelAdapter adapter;
    private String first;

    NonFiniteWatch(ModelAdapter adapter) {
        this.adapter = adapter;
    }

    void input(int site, INDArray input) {
        if (first == null && !ForwardPass.isFinite(input)) {
            first = adapter.describe(adapter.sites().get(site), true);
        }
    }

    void output(int site, INDArray output) {
        if (first == null && !ForwardPass.isFinite(output)) {
            first = adapter.describe(adapter.sites().get(site), false);
        }
    }

    /** The layer found, else the one a pass keeping every activation finds (only asked when outputs are not finite). */
    Optional<String> firstNonFinite(INDArray[] features) {
        if (first != null) {
            return Optional.of(first);
        }
        try {
            return adapter.forward(features, false).firstNonFiniteLayer();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
