package io.github.bnconsistency.api.error;

import static io.github.bnconsistency.report.Numbers.number;
import static io.github.bnconsistency.report.TextReport.worstChannelPhrase;

import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** One BatchNormalization layer's statistics are not what the assertion expects. */
public class ShouldHaveLayerStatistics extends BasicErrorMessageFactory {

    /**
     * The message for a layer whose statistics have not converged, are corrupted or could not be measured.
     *
     * @param layer the layer that failed
     * @return the factory of the failure message
     */
    public static ErrorMessageFactory shouldHaveConvergedStatistics(LayerFinding layer) {
        if (layer.status() == LayerStatus.UNSUPPORTED) {
            return new ShouldHaveLayerStatistics(
                    "Expecting BatchNormalization layer %s to have converged moving statistics,%n"
                            + "but the probe data cannot measure it: %s.",
                    layer.name(), unquotedString(layer.unmeasured().orElse("")));
        }
        if (layer.status() == LayerStatus.CORRUPTED) {
            return new ShouldHaveLayerStatistics(
                    "Expecting BatchNormalization layer %s to have converged moving statistics,%n"
                            + "but its stored moving statistics are corrupted (NaN, infinite or negative variance) in channels %s.%n"
                            + "Recalibrate them on representative data (BatchNormRecalibration).",
                    layer.name(), unquotedString(layer.corruptedChannels().toString()));
        }
        return new ShouldHaveLayerStatistics(
                "Expecting BatchNormalization layer %s to have converged moving statistics "
                        + "(normalized divergence <= %s),%nbut %s.%nUpdates needed: %s.",
                layer.name(),
                unquotedString(number(layer.tolerance())),
                unquotedString(worstChannelPhrase(layer)),
                unquotedString(updates(layer)));
    }

    /**
     * The message for a channel whose mean shift is not below the limit.
     *
     * @param layer   the layer that failed
     * @param channel the first channel not below the limit
     * @param limit   the largest mean shift that passes, in batch standard deviations
     * @return the factory of the failure message
     */
    public static ErrorMessageFactory shouldHaveMeanShiftBelow(
            LayerFinding layer, ChannelFinding channel, double limit) {
        return new ShouldHaveLayerStatistics(
                "Expecting every channel of BatchNormalization layer %s to have a mean shift "
                        + "below %s batch standard deviations,%nbut channel %s was off by %s sd (batch mean %s, moving mean %s).",
                layer.name(),
                unquotedString(String.valueOf(limit)),
                channel.channel(),
                unquotedString(number(channel.meanShift())),
                unquotedString(number(channel.batchMean())),
                unquotedString(number(channel.movingMean())));
    }

    /**
     * The message for a channel whose variance ratio is outside the range.
     *
     * @param layer   the layer that failed
     * @param channel its first channel outside the range
     * @param min     the smallest variance ratio that passes
     * @param max     the largest variance ratio that passes
     * @return the factory of the failure message
     */
    public static ErrorMessageFactory shouldHaveVarianceRatioWithin(
            LayerFinding layer, ChannelFinding channel, double min, double max) {
        return new ShouldHaveLayerStatistics(
                "Expecting every channel of BatchNormalization layer %s to have a variance "
                        + "ratio (moving + eps)/(batch + eps) within [%s, %s],%nbut channel %s had %s (batch variance %s, "
                        + "moving variance %s).",
                layer.name(),
                unquotedString(String.valueOf(min)),
                unquotedString(String.valueOf(max)),
                channel.channel(),
                unquotedString(number(channel.varianceRatio())),
                unquotedString(number(channel.batchVariance())),
                unquotedString(number(channel.movingVariance())));
    }

    private static String updates(LayerFinding layer) {
        return switch (layer.updatesNeeded().kind()) {
            case NONE -> "none";
            case ESTIMATE ->
                "~" + layer.updatesNeeded().iterations() + " more iterations at decay " + number(layer.decay());
            case NEVER -> "never: " + layer.updatesNeeded().reason();
        };
    }

    private ShouldHaveLayerStatistics(String format, Object... arguments) {
        super("%n" + format, arguments); // AssertJ's convention: the message starts on its own line
    }
}
