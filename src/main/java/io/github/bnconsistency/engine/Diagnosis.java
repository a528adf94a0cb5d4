package io.github.bnconsistency.engine;

import io.github.bnconsistency.report.ChannelFinding;
import io.github.bnconsistency.report.ChannelLayout;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.LayerStatus;
import io.github.bnconsistency.report.UpdatesNeeded;
import org.deeplearning4j.nn.conf.GradientNormalization;

import java.util.ArrayList;
import java.util.List;

/** Turns accumulated statistics into per-layer findings and verdicts at a given layer tolerance. */
public final class Diagnosis {

    private Diagnosis() {
    }

    static LayerFinding finding(BatchNormSite site, ChannelLayout layout, ChannelStatisticsAccumulator statistics,
                                double tolerance) {
        double eps = site.config().getEps();
        List<ChannelFinding> channels = new ArrayList<>();
        if (layout.isSupported() && statistics.batches() > 0) {
            double[] movingMean = site.movingMean();
            double[] movingVariance = site.movingVariance();
            for (int c = 0; c < statistics.channels(); c++) {
                double mu = statistics.batchMean(c);
                double v = statistics.batchVariance(c);
                channels.add(new ChannelFinding(c, mu, v, movingMean[c], movingVariance[c],
                        statistics.batchMeanSpread(c), statistics.batchVarianceSpread(c),
                        DivergenceMath.meanShift(mu, v, movingMean[c], eps),
                        DivergenceMath.varianceRatio(v, movingVariance[c], eps),
                        DivergenceMath.divergence(mu, v, movingMean[c], movingVariance[c], eps),
                        statistics.rmsDrift(c) / Math.sqrt(v + eps)));
            }
        }
        LayerFinding measured = new LayerFinding(site.name(), site.position(), site.location(), site.config().getDecay(),
                eps, site.storage(), layout, site.frozen(), updateBlocker(site), channels, LayerStatus.UNSUPPORTED,
                tolerance, UpdatesNeeded.none(), noiseFloor(channels, site.config().getDecay(), eps));
        return withTolerance(measured, tolerance);
    }

    /** The same finding judged at another tolerance. */
    public static LayerFinding withTolerance(LayerFinding f, double tolerance) {
        LayerStatus status;
        UpdatesNeeded updates;
        if (!f.layout().isSupported()) {
            status = LayerStatus.UNSUPPORTED;
            updates = UpdatesNeeded.none();
        } else {
            status = f.maxDivergence() <= tolerance ? LayerStatus.CONVERGED : LayerStatus.NOT_CONVERGED;
            if (status == LayerStatus.CONVERGED) {
                updates = UpdatesNeeded.none();
            } else if (!f.updateBlocker().isEmpty()) {
                updates = UpdatesNeeded.never(f.updateBlocker());
            } else {
                updates = DivergenceMath.updatesNeeded(f.channels(), f.decay(), f.eps(), tolerance);
            }
        }
        return new LayerFinding(f.name(), f.position(), f.location(), f.decay(), f.eps(), f.storage(), f.layout(),
                f.frozen(), f.updateBlocker(), f.channels(), status, tolerance, updates, f.noiseFloor());
    }

    /** The same report with every layer judged at another tolerance (no forward pass). */
    public static ConsistencyReport withLayerTolerance(ConsistencyReport report, double tolerance) {
        requireValidTolerance(tolerance, "layer tolerance");
        if (tolerance == report.layerTolerance()) {
            return report;
        }
        List<LayerFinding> layers = report.layers().stream().map(l -> withTolerance(l, tolerance)).toList();
        return new ConsistencyReport(report.modelType(), report.dataType(), report.probe(), tolerance, layers,
                report.output());
    }

    /** Rejects a tolerance that is not a positive finite number, naming it. */
    public static void requireValidTolerance(double tolerance, String what) {
        if (!(tolerance > 0) || Double.isInfinite(tolerance)) {
            throw new IllegalArgumentException("The " + what + " must be a positive finite number, but was "
                    + tolerance + ".");
        }
    }

    private static String updateBlocker(BatchNormSite site) {
        if (site.frozen()) {
            return "frozen";
        }
        GradientNormalization normalization = site.config().getGradientNormalization();
        if (normalization != null && normalization != GradientNormalization.None) {
            return "gradient normalization " + normalization;
        }
        return "";
    }

    private static double noiseFloor(List<ChannelFinding> channels, double decay, double eps) {
        double floor = 0;
        for (ChannelFinding c : channels) {
            floor = Math.max(floor, DivergenceMath.noiseFloor(c.batchVariance(), c.batchMeanSpread(),
                    c.batchVarianceSpread(), decay, eps));
        }
        return floor;
    }
}
