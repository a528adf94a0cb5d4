package io.github.bnconsistency.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Renders a {@link ConsistencyReport} as one self-contained HTML page, for people looking at a failed build: the
 * verdict and the root cause in one line, the fix, the output comparison, a chart of every BatchNormalization
 * layer's divergence in topological order (log axis, the layer tolerance as a line, the root layer marked, the
 * status by colour and by label, the noise floor where measured, the input drift as a band), per-channel detail
 * for each layer (the root layer's open), the lint findings, what was checked, and the full per-layer table.
 *
 * <pre>{@code
 * HtmlReport.write(BatchNormInspector.inspect(model, data), Path.of("target/bn-report.html"));
 * }</pre>
 *
 * <p>The page's CSS, SVG and its one small script (table sorting, opening the layer a link points to; the page
 * reads fully without it) are inline, and its Content-Security-Policy allows nothing else: it makes no network
 * request, so CI artifact viewers and offline machines show it as it is. Every name from the model is escaped:
 * a layer named {@code <script>} renders as text. The sentences are the {@link TextReport}'s where it has them
 * (root cause, counts, {@code Why:} and {@code Fix:} lines, the output summary, what was checked).
 */
public final class HtmlReport {

    /**
     * What a test's check adds to the page: which test it was, its verdict at its output tolerance, and links to
     * files beside the page (label to relative address, e.g. {@code "JSON report" -> "Test.m().json"}).
     *
     * @param test       the test's name, e.g. {@code ClassifierTest.learns()}
     * @param consistent whether the outputs matched within {@code tolerance}
     * @param tolerance  the output tolerance the verdict used
     * @param links      label to relative address, in display order
     */
    public record TestCheck(String test, boolean consistent, double tolerance, Map<String, String> links) {
        /**
         * Copies the links, keeping their order.
         *
         * @param test       the test's name
         * @param consistent whether the outputs matched within {@code tolerance}
         * @param tolerance  the output tolerance the verdict used
         * @param links      label to relative address, in display order
         */
        public TestCheck {
            links = Collections.unmodifiableMap(new LinkedHashMap<>(links));
        }
    }

    /**
     * One checked test in a run's index page ({@link #index}).
     *
     * @param test                the test's name
     * @param consistent          whether its outputs matched within its tolerance
     * @param rootLayer           the root-cause layer's name, or empty when none
     * @param maxOutputDifference max {@code |y_train - y_inference|} (infinite when an output is not finite)
     * @param divergingLayers     how many BN layers diverge
     * @param batchNormLayers     how many BN layers the model has
     * @param href                the test's page, relative to the index
     */
    public record IndexEntry(
            String test,
            boolean consistent,
            String rootLayer,
            double maxOutputDifference,
            int divergingLayers,
            int batchNormLayers,
            String href) {}

    private static final String CSS = resource("html-report.css");
    private static final String SCRIPT = resource("html-report.js");
    private static final String CSP = "default-src 'none'; style-src 'sha256-" + sha256(CSS) + "'; script-src 'sha256-"
            + sha256(SCRIPT) + "'; base-uri 'none'; form-action 'none'";

    /** Channels listed by number in a layer's detail, worst first. */
    static final int WORST_CHANNELS = 10;

    private HtmlReport() {}

    /**
     * The report as an HTML page.
     *
     * @param report the report
     * @return the page, self-contained HTML
     */
    public static String render(ConsistencyReport report) {
        return render(report, null);
    }

    /**
     * The report as an HTML page headed by a test's check ({@code check} may be null).
     *
     * @param report the report
     * @param check the test's check that heads the page, or null
     * @return the page, self-contained HTML
     */
    public static String render(ConsistencyReport report, TestCheck check) {
        if (report == null) {
            throw new IllegalArgumentException("The report is null: pass the report to render.");
        }
        return new Page(report, check).render();
    }

    /**
     * Writes {@link #render(ConsistencyReport)} to {@code file} (UTF-8, parent directories created); returns it.
     *
     * @param report the report
     * @param file the file to write
     * @return {@code file}
     */
    public static Path write(ConsistencyReport report, Path file) {
        return write(report, null, file);
    }

    /**
     * Writes {@link #render(ConsistencyReport, TestCheck)} to {@code file}; returns it.
     *
     * @param report the report
     * @param check the test's check that heads the page, or null
     * @param file the file to write
     * @return {@code file}
     */
    public static Path write(ConsistencyReport report, TestCheck check, Path file) {
        String html = render(report, check);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write the HTML report " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /**
     * An index page of checked tests, one row each (verdict, root layer, max difference, diverging layers, link to
     * the test's page), the diverging ones counted at the top; the table sorts by any column.
     *
     * @param title the page's title
     * @param entries one entry per checked test, in display order
     * @return the index page, self-contained HTML
     */
    public static String index(String title, List<IndexEntry> entries) {
        long diverging = entries.stream().filter(e -> !e.consistent()).count();
        StringBuilder out = new StringBuilder(head(title));
        out.append("<body>\n<div class=\"context\">BatchNorm consistency reports</div>\n<header class=\"verdict ")
                .append(diverging > 0 ? "fail" : "pass")
                .append("\" id=\"verdict\"><h1><span class=\"badge\">")
                .append(diverging > 0 ? "DIVERGES" : "CONSISTENT")
                .append("</span>")
                .append(escape(title))
                .append("</h1><p>")
                .append(entries.size())
                .append(entries.size() == 1 ? " test" : " tests")
                .append(" checked: ")
                .append(diverging)
                .append(" diverge, ")
                .append(entries.size() - diverging)
                .append(" consistent.</p></header>\n");
        out.append("<div class=\"tablewrap\"><table class=\"index sortable\" id=\"index-table\"><thead><tr>"
                + "<th class=\"t\">test</th><th class=\"t\">verdict</th><th class=\"t\">root layer</th>"
                + "<th data-type=\"num\">max |train \u2212 inference|</th><th data-type=\"num\">diverging BN layers</th>"
                + "<th class=\"t\">report</th></tr></thead><tbody>\n");
        for (IndexEntry e : entries) {
            double max = e.maxOutputDifference();
            out.append("<tr")
                    .append(e.consistent() ? "" : " class=\"root\"")
                    .append("><td class=\"t\">")
                    .append(escape(e.test()))
                    .append("</td><td class=\"t\" data-v=\"")
                    .append(e.consistent() ? 1 : 0)
                    .append("\"><span class=\"st ")
                    .append(e.consistent() ? "s-converged\">\u2713 CONSISTENT" : "s-not-converged\">\u2717 DIVERGES")
                    .append("</span></td><td class=\"t\">")
                    .append(e.rootLayer().isEmpty() ? "<span class=\"muted\">none</span>" : escape(e.rootLayer()))
                    .append("</td><td data-v=\"")
                    .append(Double.isNaN(max) ? "NaN" : Double.isInfinite(max) ? "Infinity" : Double.toString(max))
                    .append("\">")
                    .append(escape(fmt(max)))
                    .append("</td><td data-v=\"")
                    .append(e.divergingLayers())
                    .append("\">")
                    .append(e.divergingLayers())
                    .append(" of ")
                    .append(e.batchNormLayers())
                    .append("</td><td class=\"t\"><a href=\"")
                    .append(escape(e.href()))
                    .append("\" title=\"")
                    .append(escape(e.href()))
                    .append("\">open</a></td></tr>\n");
        }
        out.append(
                "</tbody></table></div>\n<footer>Written by batchnorm-consistency. Self-contained: it loads nothing.</footer>\n");
        out.append(tail());
        return out.toString();
    }

    /** The page's head: charset, the policy that allows no load, the inline style. */
    static String head(String title) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta http-equiv=\"Content-Security-Policy\" content=\"" + CSP + "\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                + "<meta name=\"generator\" content=\"batchnorm-consistency\">\n"
                + "<title>" + escape(title) + "</title>\n<style>" + CSS + "</style>\n</head>\n";
    }

    /** The page's end: the inline script, then the closing tags. */
    static String tail() {
        return "<script>" + SCRIPT + "</script>\n</body>\n</html>\n";
    }

    /** Text escaped for HTML element content and quoted attribute values. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c < 0x20 && c != '\n' && c != '\t' ? ' ' : c);
            }
        }
        return sb.toString();
    }

    /** The text of a component that is a String (empty when absent) or an {@code Optional<String>}. */
    static String text(Object component) {
        if (component instanceof Optional<?> optional) {
            return optional.map(String::valueOf).orElse("");
        }
        return component == null ? "" : component.toString();
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The TextReport's diagnosis, line by line, sorted by what each line says. */
    private record Diagnosis(
            String root, String counts, List<String> why, String fix, String probe, List<String> other) {

        static Diagnosis of(ConsistencyReport report) {
            String root = "";
            String counts = "";
            String fix = "";
            String probe = "";
            List<String> why = new ArrayList<>();
            List<String> other = new ArrayList<>();
            for (String line : TextReport.diagnosis(report).split("\n")) {
                if (line.startsWith("  ") || line.isBlank() || line.startsWith("Layers after ")) {
                    continue; // the table (the page has its own) and the drift line (the page words it per layer)
                }
                if (line.startsWith("Root cause: ") || line.startsWith("Only frozen layers")) {
                    root = line;
                } else if (line.startsWith("Why: ")) {
                    why.add(line.substring("Why: ".length()));
                } else if (line.startsWith("Fix: ")) {
                    fix = report.fixText(); // the report's fixes, as the text prints them
                } else if (line.startsWith("Checked on ")) {
                    probe = line;
                } else if (counts.isEmpty()) {
                    counts = line.endsWith(":") ? line.substring(0, line.length() - 1) + "." : line;
                } else {
                    other.add(line);
                }
            }
            return new Diagnosis(root, counts, why, fix, probe, other);
        }
    }

    /** How a layer's input drift reads: none, drifted, exploded (past {@link TextReport#BLOW_UP}), or unknown. */
    enum Drift {
        NONE("none", "d-none"),
        DRIFTED("drifted", "d-drifted"),
        EXPLODED("exploded", "d-exploded"),
        UNKNOWN("n/a", "d-na");

        final String label;
        final String css;

        Drift(String label, String css) {
            this.label = label;
            this.css = css;
        }

        static Drift of(double drift, double tolerance) {
            if (Double.isNaN(drift)) {
                return UNKNOWN;
            }
            if (drift > TextReport.BLOW_UP) {
                return EXPLODED;
            }
            return drift > tolerance ? DRIFTED : NONE;
        }
    }

    /** The layer's status, saying when it is within noise by its effect on the outputs, not by its statistics. */
    static String statusLabel(LayerFinding layer) {
        return layer.withinNoiseByOutputs() ? "within noise (outputs)" : statusLabel(layer.status());
    }

    static String statusLabel(LayerStatus status) {
        return switch (status) {
            case CONVERGED -> "converged";
            case WITHIN_NOISE -> "within noise";
            case NOT_CONVERGED -> "not converged";
            case VARIANCE_SHIFT -> "variance shift";
            case CORRUPTED -> "corrupted";
            case UNSUPPORTED -> "not measured";
        };
    }

    static String statusCss(LayerStatus status) {
        return "s-" + status.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** One glyph per status, so that the chart does not speak by colour alone. */
    static String statusGlyph(LayerStatus status) {
        return switch (status) {
            case CONVERGED -> "\u2713";
            case WITHIN_NOISE -> "\u2248";
            case NOT_CONVERGED -> "\u2717";
            case VARIANCE_SHIFT -> "\u21c5";
            case CORRUPTED -> "!";
            case UNSUPPORTED -> "?";
        };
    }

    private static boolean over(ChannelFinding c, double tolerance) {
        return !(c.divergence() <= tolerance); // as LayerFinding.channelsOff counts them
    }

    private static String fmt(double value) {
        return Numbers.number(value);
    }

    /** A coordinate with one decimal. */
    private static String px(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    /** 10^k as an axis label: plain from 0.001 to 1000, else 1e-6 etc. */
    private static String decade(int k) {
        if (k >= -3 && k <= 3) {
            return Numbers.number(Math.pow(10, k));
        }
        return "1e" + k;
    }

    private static String truncate(String name, int max) {
        return name.length() <= max ? name : name.substring(0, max - 1) + "\u2026";
    }

    /**
     * One point per channel as a zero-length path segment drawn with a round (within tolerance) or square (over)
     * cap: a few bytes a channel, so a ResNet50's 26,000 channels stay small. Up to {@link #EXACT_POINTS} channels
     * every channel is one segment at 0.1 px; beyond, points (3.5 px wide there) are snapped to a 2 px grid and
     * those that would land on a point already drawn are left out.
     */
    private static final class Points {
        private final int channels;
        private final StringBuilder ok = new StringBuilder();
        private final StringBuilder over = new StringBuilder();
        private final java.util.Set<Long> drawn = new java.util.HashSet<>();

        Points(int channels) {
            this.channels = channels;
        }

        void add(boolean isOver, double x, double y) {
            StringBuilder path = isOver ? over : ok;
            if (channels <= EXACT_POINTS) {
                path.append('M')
                        .append(Math.round(x * 10) / 10.0)
                        .append(' ')
                        .append(Math.round(y * 10) / 10.0)
                        .append("h0");
                return;
            }
            long px = 2 * Math.round(x / 2);
            long py = 2 * Math.round(y / 2);
            if (drawn.add((isOver ? 1L << 62 : 0) | px << 31 | py)) {
                path.append('M').append(px).append(' ').append(py).append("h0");
            }
        }

        void appendTo(StringBuilder out) {
            String width = channels <= 64 ? "7" : channels <= 512 ? "5" : "3.5";
            if (ok.length() > 0) {
                out.append("<path class=\"pt-ok\" stroke-width=\"")
                        .append(width)
                        .append("\" d=\"")
                        .append(ok)
                        .append("\"/>");
            }
            if (over.length() > 0) {
                out.append("<path class=\"pt-over\" stroke-width=\"")
                        .append(width)
                        .append("\" d=\"")
                        .append(over)
                        .append("\"/>");
            }
        }
    }

    /** Layers with up to this many channels get one exact point per channel in their plots. */
    static final int EXACT_POINTS = 256;

    // ---------------------------------------------------------------------------------------------------------

    /** One page being written. */
    private static final class Page {
        private final ConsistencyReport report;
        private final TestCheck check;
        private final Diagnosis diagnosis;
        private final LayerFinding root;
        private final StringBuilder out = new StringBuilder(64 * 1024);

        Page(ConsistencyReport report, TestCheck check) {
            this.report = report;
            this.check = check;
            this.diagnosis = Diagnosis.of(report);
            this.root = report.rootCause().orElse(null);
        }

        String render() {
            out.append(head(title()));
            out.append("<body>\n");
            context();
            verdict();
            outputs();
            if (report.hasBatchNormLayers()) {
                chart();
                channels();
            }
            lint();
            probe();
            if (report.hasBatchNormLayers()) {
                table();
            }
            out.append(
                    "<footer>Written by batchnorm-consistency. This page is self-contained: it loads nothing.</footer>\n");
            out.append(tail());
            return out.toString();
        }

        private String title() {
            String what = root != null
                    ? "root cause " + root.name()
                    : report.divergingLayers().isEmpty() ? "statistics converged" : "only frozen layers diverge";
            String verdict = check == null ? "" : (check.consistent() ? "CONSISTENT" : "DIVERGES") + ", ";
            return (check == null ? "BatchNorm consistency" : check.test()) + ": " + verdict
                    + (report.hasBatchNormLayers() ? what : "no BatchNormalization layer");
        }

        private void context() {
            out.append("<div class=\"context\">BatchNorm consistency report");
            if (check != null) {
                out.append(" \u00b7 test <b>").append(escape(check.test())).append("</b>");
                check.links()
                        .forEach((label, href) -> out.append("<a href=\"")
                                .append(escape(href))
                                .append("\">")
                                .append(escape(label))
                                .append("</a>"));
            }
            out.append(" \u00b7 ")
                    .append(escape(report.modelType()))
                    .append(", ")
                    .append(escape(report.dataType()))
                    .append("</div>\n");
        }

        private void verdict() {
            boolean layersDiverge = root != null;
            String tone;
            String badge;
            if (check != null) {
                tone = check.consistent() ? (layersDiverge ? "warn" : "pass") : "fail";
                badge = check.consistent() ? "CONSISTENT" : "DIVERGES";
            } else if (!report.hasBatchNormLayers()) {
                tone = "pass";
                badge = "NO BN LAYER";
            } else {
                tone = layersDiverge ? "fail" : report.divergingLayers().isEmpty() ? "pass" : "warn";
                badge = layersDiverge ? "DIVERGES" : report.divergingLayers().isEmpty() ? "CONVERGED" : "FROZEN ONLY";
            }
            out.append("<header class=\"verdict ").append(tone).append("\" id=\"verdict\">\n");
            String headline = !diagnosis.root().isEmpty() ? diagnosis.root() : diagnosis.counts();
            out.append("<h1><span class=\"badge\">")
                    .append(badge)
                    .append("</span>")
                    .append(escape(headline))
                    .append("</h1>\n");
            if (check != null) {
                out.append("<p>")
                        .append(
                                check.consistent()
                                        ? "The outputs match within the test's tolerance "
                                                + escape(fmt(check.tolerance())) + "."
                                        : "The outputs differ beyond the test's tolerance "
                                                + escape(fmt(check.tolerance())) + ".");
                if (check.consistent() && layersDiverge) {
                    out.append(" Layers diverge all the same, within what the outputs tolerate.");
                }
                out.append("</p>\n");
            }
            if (!diagnosis.root().isEmpty() && !diagnosis.counts().isEmpty()) {
                out.append("<p>").append(escape(diagnosis.counts())).append("</p>\n");
            }
            for (String line : diagnosis.other()) {
                out.append("<p>").append(escape(line)).append("</p>\n");
            }
            if (!diagnosis.fix().isEmpty()) {
                out.append("<div class=\"fix\" id=\"fix\"><b>Fix:</b> ")
                        .append(escape(diagnosis.fix()))
                        .append("</div>\n");
            }
            if (!diagnosis.why().isEmpty()) {
                out.append("<ul class=\"why\">");
                for (String why : diagnosis.why()) {
                    out.append("<li><b>Why:</b> ").append(escape(why)).append("</li>");
                }
                out.append("</ul>\n");
            }
            out.append("</header>\n");
        }

        private void outputs() {
            OutputDivergence o = report.output();
            out.append("<section id=\"outputs\"><h2>Outputs: inference vs training</h2>\n");
            if (!o.isMeasured()) {
                out.append("<p>Not compared: this report was made from the training path only.</p></section>\n");
                return;
            }
            out.append("<div class=\"tiles\">");
            boolean differs = check != null ? !check.consistent() : !o.allFinite() || root != null;
            tile("max |train \u2212 inference|", o.allFinite() ? fmt(o.maxAbsDifference()) : "not finite", differs);
            tile("mean |train \u2212 inference|", fmt(o.meanAbsDifference()), false);
            if (o.isClassifier()) {
                tile(
                        "argmax agreement",
                        o.argmaxAgreements() + "/" + o.classifiedExamples() + " ("
                                + Numbers.percent(o.argmaxAgreement()) + ")",
                        o.argmaxAgreements() < o.classifiedExamples());
            }
            if (o.labelledExamples() > 0) {
                tile("training-path accuracy", Numbers.percent(o.trainingAccuracy()), false);
                tile(
                        "inference accuracy",
                        Numbers.percent(o.inferenceAccuracy()),
                        o.inferenceCorrect() < o.trainingCorrect());
            }
            if (!o.allFinite()) {
                tile(
                        "NaN or infinite outputs",
                        "inference " + o.nonFiniteInferenceValues() + ", training " + o.nonFiniteTrainingValues(),
                        true);
            }
            out.append("</div>\n");
            out.append("<p class=\"muted\">")
                    .append(escape(o.examples() + " examples, " + o.comparedValues() + " output values compared. "
                            + TextReport.outputSummary(report) + "."))
                    .append("</p>\n");
            out.append("</section>\n");
        }

        private void tile(String key, String value, boolean bad) {
            out.append("<div class=\"tile\"><div class=\"k\">")
                    .append(escape(key))
                    .append("</div><div class=\"v")
                    .append(bad ? " bad" : "")
                    .append("\">")
                    .append(escape(value))
                    .append("</div></div>");
        }

        // ---- the per-layer chart ----------------------------------------------------------------------------

        private void chart() {
            List<LayerFinding> layers = report.layers();
            int n = layers.size();
            double tol = report.layerTolerance();
            double minValue = tol;
            double maxValue = tol;
            for (LayerFinding l : layers) {
                for (double v : new double[] {l.maxDivergence(), l.noiseFloor()}) {
                    if (v > 0 && Double.isFinite(v)) {
                        minValue = Math.min(minValue, v);
                        maxValue = Math.max(maxValue, v);
                    }
                }
            }
            int lo = Math.max(-8, (int) Math.floor(Math.log10(minValue)));
            int hi = Math.min(12, (int) Math.ceil(Math.log10(maxValue)));
            if (hi <= lo) {
                hi = lo + 1;
            }
            if (hi - lo < 2) {
                lo = hi - 2;
            }
            double step = Math.max(17, Math.min(150, 900.0 / n));
            double barWidth = Math.min(56, step * 0.72);
            int longest = layers.stream()
                    .mapToInt(l -> Math.min(24, l.name().length()))
                    .max()
                    .orElse(4);
            boolean rotate = longest * 6.6 > step - 4;
            double left = 64;
            double top = 44;
            double plotHeight = 250;
            double base = top + plotHeight;
            double bandY = base + 8;
            double bandHeight = 14;
            double namesY = bandY + bandHeight + 14;
            double namesHeight = rotate ? longest * 6.6 * 0.82 + 16 : 18;
            double plotWidth = n * step;
            double width = left + plotWidth + 130;
            double height = namesY + namesHeight;
            final int lowDecade = lo;
            final int highDecade = hi;
            java.util.function.DoubleUnaryOperator y = v -> {
                double k = Math.log10(v);
                k = Math.max(lowDecade, Math.min(highDecade, k));
                return base - (k - lowDecade) / (highDecade - lowDecade) * plotHeight;
            };

            out.append(
                    "<section id=\"layers-chart\"><h2>Divergence per BatchNormalization layer, in topological order</h2>\n");
            driftSummary();
            out.append(
                    "<p class=\"muted\">Bar height: the layer's normalized divergence D (its worst channel; log axis). "
                            + "Click a bar for its channels.</p>\n");
            out.append("<div class=\"chart\"><svg id=\"layer-chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
                            + "aria-label=\"Normalized divergence per BatchNormalization layer\" width=\"")
                    .append(px(width))
                    .append("\" height=\"")
                    .append(px(height))
                    .append("\" viewBox=\"0 0 ")
                    .append(px(width))
                    .append(' ')
                    .append(px(height))
                    .append("\">\n");
            out.append(
                    "<defs><pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" "
                            + "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#CC79A7\"/>"
                            + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#fff\" stroke-width=\"2\"/></pattern></defs>\n");
            // grid and axis
            for (int k = lo; k <= hi; k++) {
                double gy = y.applyAsDouble(Math.pow(10, k));
                out.append("<line class=\"grid\" x1=\"")
                        .append(px(left))
                        .append("\" x2=\"")
                        .append(px(left + plotWidth))
                        .append("\" y1=\"")
                        .append(px(gy))
                        .append("\" y2=\"")
                        .append(px(gy))
                        .append("\"/>");
                out.append("<text class=\"tick\" x=\"")
                        .append(px(left - 6))
                        .append("\" y=\"")
                        .append(px(gy + 4))
                        .append("\" text-anchor=\"end\">")
                        .append(decade(k))
                        .append("</text>\n");
            }
            out.append("<line class=\"axis\" x1=\"")
                    .append(px(left))
                    .append("\" x2=\"")
                    .append(px(left))
                    .append("\" y1=\"")
                    .append(px(top))
                    .append("\" y2=\"")
                    .append(px(base))
                    .append("\"/>");
            out.append("<line class=\"axis\" x1=\"")
                    .append(px(left))
                    .append("\" x2=\"")
                    .append(px(left + plotWidth))
                    .append("\" y1=\"")
                    .append(px(base))
                    .append("\" y2=\"")
                    .append(px(base))
                    .append("\"/>\n");
            out.append("<text class=\"tick\" transform=\"translate(14 ")
                    .append(px(top + plotHeight / 2))
                    .append(") rotate(-90)\" text-anchor=\"middle\">divergence D (log)</text>\n");
            out.append("<text class=\"band-label\" x=\"")
                    .append(px(left - 6))
                    .append("\" y=\"")
                    .append(px(bandY + 11))
                    .append("\">input drift</text>\n");

            for (int i = 0; i < n; i++) {
                LayerFinding l = layers.get(i);
                double cx = left + i * step + step / 2;
                double x = cx - barWidth / 2;
                boolean isRoot = l == root;
                double d = l.maxDivergence();
                String css = statusCss(l.status());
                out.append("<a href=\"#layer-")
                        .append(l.position())
                        .append("\"><g class=\"bar ")
                        .append(css)
                        .append(isRoot ? " root" : "")
                        .append("\" data-layer=\"")
                        .append(escape(l.name()))
                        .append("\" data-position=\"")
                        .append(l.position())
                        .append("\" data-status=\"")
                        .append(l.status().name())
                        .append("\">");
                out.append("<title>").append(escape(barTitle(l))).append("</title>");
                double barTop;
                String fill = "";
                if (l.status() == LayerStatus.UNSUPPORTED || (Double.isNaN(d) && l.status() != LayerStatus.CORRUPTED)) {
                    barTop = base - 3;
                } else if (!Double.isFinite(d)) {
                    barTop = top;
                    fill = " fill=\"url(#hatch)\"";
                } else if (d <= 0) {
                    barTop = base - 2;
                } else {
                    barTop = Math.min(base - 2, y.applyAsDouble(d));
                }
                if (l.status() == LayerStatus.CORRUPTED) {
                    fill = " fill=\"url(#hatch)\"";
                }
                out.append("<rect class=\"b ")
                        .append(css)
                        .append("\"")
                        .append(fill)
                        .append(" x=\"")
                        .append(px(x))
                        .append("\" y=\"")
                        .append(px(barTop))
                        .append("\" width=\"")
                        .append(px(barWidth))
                        .append("\" height=\"")
                        .append(px(base - barTop))
                        .append("\"/>");
                if (l.noiseFloor() > 0 && Double.isFinite(l.noiseFloor())) {
                    double ny = y.applyAsDouble(l.noiseFloor());
                    out.append("<line class=\"nf\" x1=\"")
                            .append(px(x - 2))
                            .append("\" x2=\"")
                            .append(px(x + barWidth + 2))
                            .append("\" y1=\"")
                            .append(px(ny))
                            .append("\" y2=\"")
                            .append(px(ny))
                            .append("\"/>");
                }
                out.append("<text class=\"glyph ")
                        .append(css)
                        .append("\" x=\"")
                        .append(px(cx))
                        .append("\" y=\"")
                        .append(px(top - 5))
                        .append("\">")
                        .append(statusGlyph(l.status()))
                        .append("</text>");
                Drift drift = Drift.of(l.maxInferenceInputDrift(), report.layerTolerance());
                out.append("<rect class=\"")
                        .append(drift.css)
                        .append("\" x=\"")
                        .append(px(cx - step / 2 + 0.5))
                        .append("\" y=\"")
                        .append(px(bandY))
                        .append("\" width=\"")
                        .append(px(step - 1))
                        .append("\" height=\"")
                        .append(px(bandHeight))
                        .append("\"/>");
                if (rotate) {
                    out.append("<text class=\"name\" transform=\"translate(")
                            .append(px(cx + 4))
                            .append(' ')
                            .append(px(namesY))
                            .append(") rotate(-55)\" text-anchor=\"end\">");
                } else {
                    out.append("<text class=\"name\" x=\"")
                            .append(px(cx))
                            .append("\" y=\"")
                            .append(px(namesY))
                            .append("\" text-anchor=\"middle\">");
                }
                out.append(escape(truncate(l.name(), 24))).append("</text>");
                out.append("</g></a>\n");
                if (isRoot) {
                    out.append("<text class=\"rootmark\" x=\"")
                            .append(px(cx))
                            .append("\" y=\"")
                            .append(px(top - 22))
                            .append("\">root cause \u25bc</text>\n");
                }
            }
            double ty = y.applyAsDouble(tol);
            out.append("<line class=\"tol\" x1=\"")
                    .append(px(left))
                    .append("\" x2=\"")
                    .append(px(left + plotWidth + 6))
                    .append("\" y1=\"")
                    .append(px(ty))
                    .append("\" y2=\"")
                    .append(px(ty))
                    .append("\"/>");
            out.append("<text class=\"tol-label\" x=\"")
                    .append(px(left + plotWidth + 10))
                    .append("\" y=\"")
                    .append(px(ty + 4))
                    .append("\">layer tolerance ")
                    .append(escape(fmt(tol)))
                    .append("</text>\n");
            out.append("</svg></div>\n");
            legend();
            out.append("</section>\n");
        }

        private String barTitle(LayerFinding l) {
            StringBuilder sb = new StringBuilder();
            sb.append(l.name())
                    .append(" (BN layer ")
                    .append(l.position())
                    .append(" of ")
                    .append(report.layers().size())
                    .append(", ")
                    .append(l.location())
                    .append("): ")
                    .append(statusLabel(l));
            if (l == root) {
                sb.append(", root cause");
            }
            if (l.status() == LayerStatus.UNSUPPORTED) {
                sb.append(" (").append(text(l.unmeasured())).append(')');
                return sb.toString();
            }
            sb.append("; D ")
                    .append(fmt(l.maxDivergence()))
                    .append(", ")
                    .append(l.channelsOff())
                    .append('/')
                    .append(l.channelCount())
                    .append(" channels over ")
                    .append(fmt(l.tolerance()));
            sb.append("; input drift ").append(driftText(l.maxInferenceInputDrift()));
            if (l.noiseFloor() > 0) {
                sb.append("; noise floor ").append(fmt(l.noiseFloor()));
            }
            return sb.toString();
        }

        private String driftText(double drift) {
            Drift kind = Drift.of(drift, report.layerTolerance());
            return switch (kind) {
                case UNKNOWN -> "n/a";
                case EXPLODED ->
                    "exploded (" + (Double.isInfinite(drift) ? "infinite" : "over " + fmt(TextReport.BLOW_UP) + " sd")
                            + ")";
                default -> fmt(drift) + " sd";
            };
        }

        private void legend() {
            out.append("<ul class=\"legend\">");
            for (LayerStatus s : LayerStatus.values()) {
                if (report.layers().stream().anyMatch(l -> l.status() == s)) {
                    out.append("<li><span class=\"sw ")
                            .append(statusCss(s))
                            .append("\"></span>")
                            .append(statusGlyph(s))
                            .append(' ')
                            .append(statusLabel(s))
                            .append("</li>");
                }
            }
            out.append("<li><span class=\"sw line\"></span>layer tolerance</li>");
            boolean noise = report.layers().stream().anyMatch(l -> l.noiseFloor() > 0);
            out.append(
                    noise
                            ? "<li><span class=\"sw nf\"></span>noise floor (sampling alone)</li>"
                            : "<li class=\"muted\">noise floor not measured (a single example)</li>");
            if (root != null) {
                out.append("<li><span class=\"rootbadge\">root cause</span> first diverging layer</li>");
            }
            out.append(
                            "<li>input drift: <span class=\"sw d-none\"></span>none <span class=\"sw d-drifted\"></span>drifted ")
                    .append("<span class=\"sw d-exploded\"></span>exploded (&gt; ")
                    .append(fmt(TextReport.BLOW_UP))
                    .append(" sd)");
            if (report.layers().stream().anyMatch(l -> Double.isNaN(l.maxInferenceInputDrift()))) {
                out.append(" <span class=\"sw d-na\"></span>n/a (not read back)");
            }
            out.append("</li>");
            out.append("</ul>\n");
        }

        /** Input drift in words: where drift starts, and where activations explode. */
        private void driftSummary() {
            double tol = report.layerTolerance();
            LayerFinding firstDrifted = null;
            LayerFinding firstExploded = null;
            double largestFinite = 0;
            boolean infinite = false;
            for (LayerFinding l : report.layers()) {
                double d = l.maxInferenceInputDrift();
                Drift kind = Drift.of(d, tol);
                if (firstDrifted == null && (kind == Drift.DRIFTED || kind == Drift.EXPLODED)) {
                    firstDrifted = l;
                }
                if (firstExploded == null && kind == Drift.EXPLODED) {
                    firstExploded = l;
                }
                if (Double.isInfinite(d)) {
                    infinite = true;
                } else if (Double.isFinite(d)) {
                    largestFinite = Math.max(largestFinite, d);
                }
            }
            String firstNonFinite = text(report.output().firstNonFiniteLayer());
            StringBuilder sb = new StringBuilder();
            if (firstExploded != null) {
                sb.append("<b>Activations explode from ")
                        .append(escape(firstExploded.name()))
                        .append(" (BN layer ")
                        .append(firstExploded.position())
                        .append(") on</b>: from there the inputs at inference are over ")
                        .append(fmt(TextReport.BLOW_UP))
                        .append(" batch standard deviations away from training's")
                        .append(infinite ? ", some infinite" : "")
                        .append('.');
                if (firstDrifted != firstExploded) {
                    sb.append(" Drift starts at ")
                            .append(escape(firstDrifted.name()))
                            .append(" (BN layer ")
                            .append(firstDrifted.position())
                            .append(").");
                }
            } else if (firstDrifted != null) {
                sb.append("From ")
                        .append(escape(firstDrifted.name()))
                        .append(" (BN layer ")
                        .append(firstDrifted.position())
                        .append(") on, layers receive drifted inputs at inference (up to ")
                        .append(fmt(largestFinite))
                        .append(" batch standard deviations), inherited from the layers before.");
            } else {
                sb.append("No layer receives drifted inputs at inference (input drift within ")
                        .append(fmt(tol))
                        .append(").");
            }
            if (!firstNonFinite.isEmpty()) {
                sb.append(" The first non-finite activation at inference is at ")
                        .append(escape(firstNonFinite))
                        .append('.');
            }
            out.append("<p class=\"drift")
                    .append(firstExploded != null ? " exploded" : "")
                    .append("\" id=\"drift\">")
                    .append(sb)
                    .append("</p>\n");
        }

        // ---- per-channel detail -----------------------------------------------------------------------------

        private void channels() {
            out.append("<section id=\"channels\"><h2>Channels per layer</h2>\n");
            out.append("<p class=\"muted\">Each layer's moving statistics against the batch statistics the moving "
                            + "average converges to on the probe data, one point per channel: round blue dots within the layer "
                            + "tolerance, orange squares over it. ")
                    .append(root != null ? "The root layer is open; o" : "O")
                    .append("pen any other below, or click its bar or its row.</p>\n");
            for (LayerFinding l : report.layers()) {
                layerDetail(l);
            }
            out.append("</section>\n");
        }

        private void layerDetail(LayerFinding l) {
            boolean isRoot = l == root;
            out.append("<details class=\"layer\" id=\"layer-")
                    .append(l.position())
                    .append("\" data-layer=\"")
                    .append(escape(l.name()))
                    .append("\" data-channels=\"")
                    .append(l.channelCount())
                    .append('"')
                    .append(isRoot ? " open" : "")
                    .append(">\n<summary><b>")
                    .append(escape(l.name()))
                    .append("</b> ")
                    .append("<span class=\"st ")
                    .append(statusCss(l.status()))
                    .append("\">")
                    .append(statusGlyph(l.status()))
                    .append(' ')
                    .append(statusLabel(l))
                    .append("</span>");
            if (isRoot) {
                out.append("<span class=\"rootbadge\">root cause</span>");
            }
            out.append(" <span class=\"muted\">BN layer ")
                    .append(l.position())
                    .append(" of ")
                    .append(report.layers().size())
                    .append(" \u00b7 <span class=\"channel-count\">")
                    .append(l.channelCount())
                    .append(" channels</span>");
            if (l.status() != LayerStatus.UNSUPPORTED) {
                out.append(" \u00b7 ")
                        .append(l.channelsOff())
                        .append(" over ")
                        .append(escape(fmt(l.tolerance())))
                        .append(" \u00b7 D ")
                        .append(escape(fmt(l.maxDivergence())));
            }
            out.append("</span></summary>\n<div class=\"layer-body\">\n");
            out.append("<p class=\"facts\">")
                    .append(escape(l.location()))
                    .append(" \u00b7 decay ")
                    .append(escape(fmt(l.decay())))
                    .append(" \u00b7 eps ")
                    .append(escape(fmt(l.eps())))
                    .append(" \u00b7 stored as ")
                    .append(escape(l.storage().parameterKey()))
                    .append(" \u00b7 input ")
                    .append(escape(l.layout().name()));
            if (l.frozen()) {
                out.append(" \u00b7 frozen");
            }
            String blocker = text(l.updateBlocker());
            if (!blocker.isEmpty()) {
                out.append(" \u00b7 training cannot move it: ").append(escape(blocker));
            }
            out.append(" \u00b7 updates needed ")
                    .append(escape(l.updatesNeeded().toString()))
                    .append(" \u00b7 input drift ")
                    .append(escape(driftText(l.maxInferenceInputDrift())));
            if (l.noiseFloor() > 0) {
                out.append(" \u00b7 noise floor ").append(escape(fmt(l.noiseFloor())));
            }
            out.append("</p>\n");
            if (l.status() == LayerStatus.UNSUPPORTED || l.channels().isEmpty()) {
                out.append("<p>Not measured: ")
                        .append(escape(text(l.unmeasured())))
                        .append("</p>\n</div></details>\n");
                return;
            }
            if (l.status() == LayerStatus.CORRUPTED) {
                out.append("<p><b>Corrupted stored statistics</b> in channels ")
                        .append(escape(l.corruptedChannels().toString()))
                        .append(".</p>\n");
            }
            l.varianceShift()
                    .ifPresent(shift -> out.append("<p class=\"variance-shift\"><b>Variance shift</b>: ")
                            .append(escape(TextReport.varianceShiftPhrase(shift)))
                            .append(". The moving statistics match training with that noise active; inference runs "
                                    + "without it.</p>\n"));
            out.append("<div class=\"panels\">");
            meanPanel(l);
            variancePanel(l);
            out.append("</div>\n");
            worstChannels(l);
            out.append("</div></details>\n");
        }

        private static final double PW = 380;
        private static final double PH = 210;
        private static final double PL = 58;
        private static final double PT = 10;
        private static final double PB = 36;

        /** Moving mean (y) against batch mean (x), one point per channel, the diagonal where they agree. */
        private void meanPanel(LayerFinding l) {
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (ChannelFinding c : l.channels()) {
                for (double v : new double[] {c.batchMean(), c.movingMean()}) {
                    if (Double.isFinite(v)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
            if (!(lo <= hi)) {
                lo = -1;
                hi = 1;
            }
            if (hi - lo < 1e-9 * Math.max(1, Math.abs(hi))) {
                lo -= 1;
                hi += 1;
            }
            double pad = (hi - lo) * 0.06;
            final double a = lo - pad;
            final double b = hi + pad;
            double w = PW - PL - 12;
            double h = PH - PT - PB;
            java.util.function.DoubleUnaryOperator sx = v -> PL + (Math.max(a, Math.min(b, v)) - a) / (b - a) * w;
            java.util.function.DoubleUnaryOperator sy = v -> PT + h - (Math.max(a, Math.min(b, v)) - a) / (b - a) * h;
            Points points = new Points(l.channelCount());
            for (ChannelFinding c : l.channels()) {
                double x = Double.isFinite(c.batchMean()) ? c.batchMean() : b;
                double yv = Double.isFinite(c.movingMean()) ? c.movingMean() : b;
                points.add(over(c, l.tolerance()), sx.applyAsDouble(x), sy.applyAsDouble(yv));
            }
            panelStart("mean", "Mean: moving (y) vs batch (x)");
            out.append("<rect x=\"")
                    .append(px(PL))
                    .append("\" y=\"")
                    .append(px(PT))
                    .append("\" width=\"")
                    .append(px(w))
                    .append("\" height=\"")
                    .append(px(h))
                    .append("\" fill=\"#fafbfc\" stroke=\"#dadce0\"/>");
            out.append("<line class=\"ref\" x1=\"")
                    .append(px(sx.applyAsDouble(a)))
                    .append("\" y1=\"")
                    .append(px(sy.applyAsDouble(a)))
                    .append("\" x2=\"")
                    .append(px(sx.applyAsDouble(b)))
                    .append("\" y2=\"")
                    .append(px(sy.applyAsDouble(b)))
                    .append("\"/>");
            if (a < 0 && b > 0) {
                out.append("<line class=\"grid\" x1=\"")
                        .append(px(PL))
                        .append("\" x2=\"")
                        .append(px(PL + w))
                        .append("\" y1=\"")
                        .append(px(sy.applyAsDouble(0)))
                        .append("\" y2=\"")
                        .append(px(sy.applyAsDouble(0)))
                        .append("\"/>");
            }
            for (double v : new double[] {a, a < 0 && b > 0 ? 0 : (a + b) / 2, b}) {
                String label = escape(fmt(v));
                out.append("<text class=\"tick\" x=\"")
                        .append(px(sx.applyAsDouble(v)))
                        .append("\" y=\"")
                        .append(px(PT + h + 14))
                        .append("\" text-anchor=\"middle\">")
                        .append(label)
                        .append("</text>");
                out.append("<text class=\"tick\" x=\"")
                        .append(px(PL - 4))
                        .append("\" y=\"")
                        .append(px(sy.applyAsDouble(v) + 4))
                        .append("\" text-anchor=\"end\">")
                        .append(label)
                        .append("</text>");
            }
            out.append("<text class=\"tick\" x=\"")
                    .append(px(PL + w / 2))
                    .append("\" y=\"")
                    .append(px(PH - 4))
                    .append("\" text-anchor=\"middle\">batch mean \u03bc* (dashed: moving = batch)</text>");
            points.appendTo(out);
            out.append("</svg></div>");
        }

        /** The variance ratio (moving / batch) per channel on a log axis, 1 where they agree. */
        private void variancePanel(LayerFinding l) {
            double lo = 1;
            double hi = 1;
            for (ChannelFinding c : l.channels()) {
                double r = c.varianceRatio();
                if (r > 0 && Double.isFinite(r)) {
                    lo = Math.min(lo, r);
                    hi = Math.max(hi, r);
                }
            }
            final int kLo = Math.max(-9, Math.min(-1, (int) Math.floor(Math.log10(lo))));
            final int kHi = Math.min(9, Math.max(1, (int) Math.ceil(Math.log10(hi))));
            double w = PW - PL - 12;
            double h = PH - PT - PB;
            int count = l.channelCount();
            java.util.function.DoubleUnaryOperator sy = r -> {
                double k = !(r > 0) ? kLo : Double.isInfinite(r) ? kHi : Math.max(kLo, Math.min(kHi, Math.log10(r)));
                return PT + h - (k - kLo) / (kHi - kLo) * h;
            };
            Points points = new Points(count);
            for (int i = 0; i < count; i++) {
                ChannelFinding c = l.channels().get(i);
                double x = PL + (count == 1 ? w / 2 : 4 + i * (w - 8) / (count - 1));
                double r = Double.isNaN(c.varianceRatio()) ? Double.POSITIVE_INFINITY : c.varianceRatio();
                points.add(over(c, l.tolerance()), x, sy.applyAsDouble(r));
            }
            panelStart("variance", "Variance ratio, moving / batch, per channel");
            out.append("<rect x=\"")
                    .append(px(PL))
                    .append("\" y=\"")
                    .append(px(PT))
                    .append("\" width=\"")
                    .append(px(w))
                    .append("\" height=\"")
                    .append(px(h))
                    .append("\" fill=\"#fafbfc\" stroke=\"#dadce0\"/>");
            int every = Math.max(1, (kHi - kLo + 5) / 6);
            for (int k = kLo; k <= kHi; k++) {
                double gy = sy.applyAsDouble(Math.pow(10, k));
                out.append("<line class=\"")
                        .append(k == 0 ? "ref" : "grid")
                        .append("\" x1=\"")
                        .append(px(PL))
                        .append("\" x2=\"")
                        .append(px(PL + w))
                        .append("\" y1=\"")
                        .append(px(gy))
                        .append("\" y2=\"")
                        .append(px(gy))
                        .append("\"/>");
                if ((k - kLo) % every == 0 || k == 0) {
                    out.append("<text class=\"tick\" x=\"")
                            .append(px(PL - 4))
                            .append("\" y=\"")
                            .append(px(gy + 4))
                            .append("\" text-anchor=\"end\">")
                            .append(decade(k))
                            .append("</text>");
                }
            }
            out.append("<text class=\"tick\" x=\"")
                    .append(px(PL))
                    .append("\" y=\"")
                    .append(px(PT + h + 14))
                    .append("\">0</text><text class=\"tick\" x=\"")
                    .append(px(PL + w))
                    .append("\" y=\"")
                    .append(px(PT + h + 14))
                    .append("\" text-anchor=\"end\">")
                    .append(count - 1)
                    .append("</text>");
            out.append("<text class=\"tick\" x=\"")
                    .append(px(PL + w / 2))
                    .append("\" y=\"")
                    .append(px(PH - 4))
                    .append("\" text-anchor=\"middle\">channel (dashed: ratio 1, variances agree)</text>");
            points.appendTo(out);
            out.append("</svg></div>");
        }

        private void panelStart(String kind, String heading) {
            out.append("<div class=\"panel\"><h3>")
                    .append(escape(heading))
                    .append("</h3><svg class=\"channel-plot ")
                    .append(kind)
                    .append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                    .append(px(PW))
                    .append("\" height=\"")
                    .append(px(PH))
                    .append("\" viewBox=\"0 0 ")
                    .append(px(PW))
                    .append(' ')
                    .append(px(PH))
                    .append("\">");
        }

        private void worstChannels(LayerFinding l) {
            List<ChannelFinding> worst = l.channels().stream()
                    .sorted(Comparator.comparingDouble((ChannelFinding c) ->
                                    Double.isNaN(c.divergence()) ? Double.POSITIVE_INFINITY : c.divergence())
                            .reversed())
                    .limit(WORST_CHANNELS)
                    .toList();
            out.append("<div class=\"tablewrap\"><table class=\"channels\"><caption class=\"muted\">")
                    .append(
                            worst.size() < l.channelCount()
                                    ? "The " + worst.size() + " worst of " + l.channelCount() + " channels"
                                    : "All " + l.channelCount() + " channels, worst first")
                    .append(
                            "</caption><thead><tr><th>channel</th><th>D</th><th>batch mean \u03bc*</th><th>moving mean</th>"
                                    + "<th>mean shift</th><th>batch var v*</th><th>moving var</th><th>var ratio</th><th>noise floor</th>"
                                    + "<th>input drift</th></tr></thead><tbody>");
            for (ChannelFinding c : worst) {
                out.append("<tr")
                        .append(over(c, l.tolerance()) ? " class=\"over\"" : "")
                        .append("><td>")
                        .append(c.channel())
                        .append("</td><td class=\"d\">")
                        .append(escape(fmt(c.divergence())))
                        .append("</td><td>")
                        .append(escape(fmt(c.batchMean())))
                        .append("</td><td>")
                        .append(escape(fmt(c.movingMean())))
                        .append("</td><td>")
                        .append(escape(fmt(c.meanShift())))
                        .append(" sd</td><td>")
                        .append(escape(fmt(c.batchVariance())))
                        .append("</td><td>")
                        .append(escape(fmt(c.movingVariance())))
                        .append("</td><td>")
                        .append(escape(fmt(c.varianceRatio())))
                        .append("</td><td>")
                        .append(c.noiseFloor() > 0 ? escape(fmt(c.noiseFloor())) : "\u2013")
                        .append("</td><td>")
                        .append(escape(driftText(c.inferenceInputDrift())))
                        .append("</td></tr>");
            }
            out.append("</tbody></table></div>\n");
        }

        // ---- lint, probe, the table -------------------------------------------------------------------------

        private void lint() {
            out.append("<section id=\"lint\"><h2>Lint findings</h2>\n");
            List<LintFinding> lint = report.lint();
            if (lint.isEmpty()) {
                out.append(
                        "<p>None: nothing in the configuration or the probe data keeps the statistics from converging.</p>");
            } else {
                out.append("<ul>");
                for (String why : diagnosis.why()) {
                    out.append("<li>").append(escape(why)).append("</li>");
                }
                out.append("</ul>\n<details><summary>All ")
                        .append(lint.size())
                        .append(" findings, one per layer</summary>")
                        .append(
                                "<div class=\"tablewrap\"><table class=\"lint sortable\"><thead><tr><th class=\"t\">rule</th>"
                                        + "<th class=\"t\">layer</th><th class=\"t\">what is wrong</th><th class=\"t\">fix</th>"
                                        + "</tr></thead><tbody>");
                for (LintFinding f : lint) {
                    out.append("<tr><td class=\"t mono\">")
                            .append(escape(f.rule()))
                            .append("</td><td class=\"t\">")
                            .append(escape(f.layer()))
                            .append("</td><td class=\"t\">")
                            .append(escape(f.message()))
                            .append("</td><td class=\"t\">")
                            .append(escape(f.fix()))
                            .append("</td></tr>");
                }
                out.append("</tbody></table></div></details>");
            }
            out.append("</section>\n");
        }

        private void probe() {
            ProbeSummary p = report.probe();
            out.append("<section id=\"probe\"><h2>What was checked</h2>\n<p>")
                    .append(escape(diagnosis.probe()))
                    .append("</p>\n<dl class=\"probe\">");
            definition("probe data", p.source());
            definition("batches", Integer.toString(p.batches()));
            definition("examples", Long.toString(p.examples()));
            definition("smallest batch", p.smallestBatch() + " examples");
            if (p.garbageCollections() > 0) {
                definition("garbage collections", p.garbageCollections() + " (to keep off-heap memory flat)");
            }
            definition("first batch shape", p.firstBatchShape());
            definition("model", report.modelType() + ", " + report.dataType());
            definition(
                    "BatchNormalization layers",
                    Integer.toString(report.layers().size()));
            definition("layer tolerance", fmt(report.layerTolerance()));
            if (check != null) {
                definition("output tolerance", fmt(check.tolerance()));
            }
            out.append("</dl></section>\n");
        }

        private void definition(String term, String value) {
            out.append("<dt>")
                    .append(escape(term))
                    .append("</dt><dd>")
                    .append(escape(value))
                    .append("</dd>");
        }

        private void table() {
            out.append("<section id=\"layers\"><h2>All ")
                    .append(report.layers().size())
                    .append(" BatchNormalization layers</h2>\n<p class=\"muted\">In topological order; click a column "
                            + "heading to sort.</p>\n<div class=\"tablewrap\"><table class=\"layers sortable\" id=\"layer-table\">"
                            + "<thead><tr><th data-type=\"num\">#</th><th class=\"t\">layer</th><th class=\"t\">status</th>"
                            + "<th data-type=\"num\">channels off</th><th data-type=\"num\">D max</th>"
                            + "<th data-type=\"num\">D mean</th><th data-type=\"num\">noise floor</th>"
                            + "<th data-type=\"num\">max mean shift</th><th data-type=\"num\">var ratio min</th>"
                            + "<th data-type=\"num\">var ratio max</th><th data-type=\"num\">input drift</th>"
                            + "<th data-type=\"num\">decay</th><th data-type=\"num\">updates needed</th>"
                            + "</tr></thead><tbody>\n");
            for (LayerFinding l : report.layers()) {
                boolean isRoot = l == root;
                out.append("<tr")
                        .append(isRoot ? " class=\"root\"" : "")
                        .append(" data-layer=\"")
                        .append(escape(l.name()))
                        .append("\">");
                num(l.position(), Integer.toString(l.position()));
                out.append("<td class=\"t\"><a href=\"#layer-")
                        .append(l.position())
                        .append("\" title=\"")
                        .append(escape(l.location()))
                        .append("\">")
                        .append(escape(l.name()))
                        .append("</a>")
                        .append(l.frozen() ? " <span class=\"muted\">(frozen)</span>" : "")
                        .append(isRoot ? "<span class=\"rootbadge\">root cause</span>" : "")
                        .append("</td>");
                out.append("<td class=\"t\" data-v=\"")
                        .append(l.status().ordinal())
                        .append("\"><span class=\"st ")
                        .append(statusCss(l.status()))
                        .append("\">")
                        .append(statusGlyph(l.status()))
                        .append(' ')
                        .append(statusLabel(l))
                        .append("</span></td>");
                if (l.status() == LayerStatus.UNSUPPORTED) {
                    out.append("<td colspan=\"10\" class=\"t\">not measured: ")
                            .append(escape(text(l.unmeasured())))
                            .append("</td>");
                } else {
                    num(
                            l.channelCount() == 0 ? 0 : (double) l.channelsOff() / l.channelCount(),
                            l.channelsOff() + "/" + l.channelCount());
                    num(l.maxDivergence(), fmt(l.maxDivergence()));
                    num(l.meanDivergence(), fmt(l.meanDivergence()));
                    num(l.noiseFloor(), l.noiseFloor() > 0 ? fmt(l.noiseFloor()) : "\u2013");
                    num(l.maxMeanShift(), fmt(l.maxMeanShift()) + " sd");
                    num(l.minVarianceRatio(), fmt(l.minVarianceRatio()));
                    num(l.maxVarianceRatio(), fmt(l.maxVarianceRatio()));
                    double drift = l.maxInferenceInputDrift();
                    num(
                            drift,
                            Drift.of(drift, report.layerTolerance()) == Drift.EXPLODED ? "exploded" : driftText(drift));
                    num(l.decay(), fmt(l.decay()));
                    UpdatesNeeded u = l.updatesNeeded();
                    num(
                            switch (u.kind()) {
                                case NONE -> 0;
                                case ESTIMATE -> u.iterations();
                                case NEVER -> Double.POSITIVE_INFINITY;
                            },
                            u.toString());
                }
                out.append("</tr>\n");
            }
            out.append("</tbody></table></div></section>\n");
        }

        private void num(double sortValue, String shown) {
            String v = Double.isNaN(sortValue)
                    ? "NaN"
                    : Double.isInfinite(sortValue)
                            ? (sortValue > 0 ? "Infinity" : "-Infinity")
                            : Double.toString(sortValue);
            out.append("<td data-v=\"")
                    .append(v)
                    .append("\">")
                    .append(escape(shown))
                    .append("</td>");
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static String resource(String name) {
        try (InputStream in = HtmlReport.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("The HTML report's resource " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
