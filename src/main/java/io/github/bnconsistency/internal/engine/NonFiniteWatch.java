package io.github.bnconsistency.internal.engine;

import io.github.bnconsistency.report.ChannelLayout;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where an inference pass's non-finite values start, watched at the BatchNormalization layers' inputs while the pass
 * runs: the layer (or vertex) that wrote the first input that is not finite. The input drift's grid of positions
 * decides ({@link DriftSample}; every value of a small input): a drift that is not finite marks the site, and one
 * sum over the grid confirms it, so a pass whose values are finite pays nothing for the watch (a sum of every input
 * and output took 7% of ResNet50's check). NaN and infinities fill an array once they appear, so the grid finds
 * them at the site where they start or the next. A site whose input was finite but whose own parameters are not
 * (corrupted moving statistics, the usual cause) writes them itself: the first such site is where they start, even
 * when the layers after it mask them or it is the last site. Only when the values start after the last site and no
 * site wrote them does a pass that keeps every activation have to find them ({@link ModelAdapter#forward}).
 */
final class NonFiniteWatch {

    private final ModelAdapter adapter;
    private final java.util.List<Integer> finiteInputs = new java.util.ArrayList<>(); // sites, in the pass's order
    private String first;

    NonFiniteWatch(ModelAdapter adapter) {
        this.adapter = adapter;
    }

    /**
     * @param squaredDrift the site's drift sums on the grid, or null when none were measured (then the grid is summed)
     */
    void input(int site, INDArray input, ChannelLayout layout, double[] squaredDrift) {
        if (first != null) {
            return;
        }
        boolean suspect =
                squaredDrift == null || !java.util.Arrays.stream(squaredDrift).allMatch(Double::isFinite);
        if (suspect && !finiteOnGrid(input, layout)) {
            first = firstWriter().orElse(adapter.describe(adapter.sites().get(site), true));
        } else {
            finiteInputs.add(site);
        }
    }

    /** The first site seen with a finite input whose parameters write non-finite values: where they start. */
    private Optional<String> firstWriter() {
        for (int site : finiteInputs) {
            BatchNormSite s = adapter.sites().get(site);
            if (s.writesNonFiniteAtInference()) {
                return Optional.of(adapter.describe(s, false));
            }
        }
        return Optional.empty();
    }

    private static boolean finiteOnGrid(INDArray array, ChannelLayout layout) {
        if (!array.dataType().isFPType()) {
            return true;
        }
        return layout.isSupported() ? DriftSample.grid(array, layout).allFinite() : ForwardPass.isFinite(array);
    }

    /** The layer found, else the one a pass keeping every activation finds (only asked when outputs are not finite). */
    Optional<String> firstNonFinite(INDArray[] features) {
        if (first != null) {
            return Optional.of(first);
        }
        Optional<String> writer = firstWriter();
        if (writer.isPresent()) {
            return writer;
        }
        try {
            return adapter.forward(features, false).firstNonFiniteLayer();
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }
}
