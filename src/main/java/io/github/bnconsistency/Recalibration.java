package io.github.bnconsistency;

import io.github.bnconsistency.report.ConsistencyReport;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;

/**
 * What {@link BatchNormRecalibration} did.
 *
 * @param model              the recalibrated model (the one passed in, or the copy)
 * @param before             each layer against its old moving statistics (outputs not compared: the
 *                           recalibration runs the training path only)
 * @param after              each layer against the statistics now in the model
 * @param recalibratedLayers layers whose moving statistics were overwritten
 * @param skippedLayers      layers left alone, with the reason (frozen, unsupported input)
 * @param <M>                the model type
 */
public record Recalibration<M extends Model>(
        M model,
        ConsistencyReport before,
        ConsistencyReport after,
        List<String> recalibratedLayers,
        Map<String, String> skippedLayers) {

    /**
     * Copies the layer lists, so the result stays as the recalibration left it.
     *
     * @param model              the recalibrated model (the one passed in, or the copy)
     * @param before             each layer against its old moving statistics (outputs not compared: the recalibration
     *                           runs the training path only)
     * @param after              each layer against the statistics now in the model
     * @param recalibratedLayers layers whose moving statistics were overwritten
     * @param skippedLayers      layers left alone, with the reason (frozen, unsupported input)
     */
    public Recalibration {
        recalibratedLayers = List.copyOf(recalibratedLayers);
        skippedLayers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(skippedLayers));
    }
}
