package io.github.bnconsistency.api.error;

import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.Numbers;
import io.github.bnconsistency.report.TextReport;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** Some BatchNormalization layer's moving statistics do not match the probe data, or there is none. */
public class ShouldHaveConvergedStatistics extends BasicErrorMessageFactory {

    private static final String EXPECTING =
            "Expecting the moving statistics of every BatchNormalization layer to match "
                    + "the probe data within normalized divergence %s,%n";

    /**
     * The message for a report in which some layer has not converged, could not be measured, or that has no layer.
     *
     * @param report the report that failed
     * @return the factory of the failure message
     */
    public static ErrorMessageFactory shouldHaveConvergedStatistics(ConsistencyReport report) {
        if (!report.hasBatchNormLayers()) {
            return new ShouldHaveConvergedStatistics(
                    EXPECTING + "but the %s has no BatchNormalization layer.",
                    unquotedString(Numbers.number(report.layerTolerance())),
                    unquotedString(report.modelType()));
        }
        int layers = report.layers().size();
        long diverging =
                report.layers().stream().filter(LayerFinding::isDiverging).count();
        long unmeasured = report.layers().stream()
                .filter(l -> l.status() == LayerStatus.UNSUPPORTED)
                .count();
        long shifted = report.layers().stream()
                .filter(l -> l.status() == LayerStatus.VARIANCE_SHIFT)
                .count();
        List<String> but = new ArrayList<>();
        if (diverging > shifted) {
            but.add((diverging - shifted) + " of " + layers + " layers have not converged");
        }
        if (shifted > 0) {
            but.add(shifted + " of " + layers + " layers have converged to statistics with the training-only noise "
                    + "upstream, which inference does not see (a variance shift)");
        }
        if (unmeasured > 0) {
            but.add(unmeasured + " of " + layers + " layers could not be measured on this data");
        }
        return new ShouldHaveConvergedStatistics(
                EXPECTING + "but %s.%n%s",
                unquotedString(Numbers.number(report.layerTolerance())),
                unquotedString(String.join(" and ", but)),
                unquotedString(TextReport.diagnosis(report)));
    }

    private ShouldHaveConvergedStatistics(String format, Object... arguments) {
        super("%n" + format, arguments); // AssertJ's convention: the message starts on its own line
    }
}
