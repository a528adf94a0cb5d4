package io.github.bnconsistency.junit;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.api.internal.ConsistencyChecks;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.TextReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.assertj.core.error.ErrorMessageFactory;
import org.deeplearning4j.nn.api.Model;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;

/**
 * The JUnit Jupiter extension behind {@link BatchNormConsistency}, registered through the annotation only (so it is
 * package-private, as JUnit's and junit-pioneer's extensions are).
 *
 * <pre>{@code
 * @BatchNormConsistency(tolerance = 1e-3)
 * class ClassifierTest {
 *     @ModelUnderTest MultiLayerNetwork model = Models.classifier();
 *     @ConsistencyData DataSet probe() { return Data.validation(); }
 *     @Test void learns() { model.fit(Data.train()); }
 * }
 * }</pre>
 *
 * <p>Before the test body it resolves the settings and finds the model field and the probe data, so misuse
 * fails before a long training starts. After the body, only when the test passed, it reads the model, gets the
 * probe data (calling a {@code @ConsistencyData} method anew), checks the model, publishes the
 * {@link ReportEntries}, writes the JSON and HTML reports and, in FAIL mode, fails the test with the assertion's
 * message.
 *
 * <p>It keeps no state of its own: the configuration parameters are cached in the root context's store and the
 * per-test plan in the test's store, so it is safe under parallel execution. Checks of one model take turns
 * (the engine locks the model), checks of different models run at once.
 */
class BatchNormConsistencyExtension implements BeforeTestExecutionCallback, AfterTestExecutionCallback {

    private static final Namespace NAMESPACE = Namespace.create(BatchNormConsistencyExtension.class);

    /** What to check after the test body, found before it. */
    private record Plan(Settings settings, ModelSource model, DataSource data) {}

    @Override
    public void beforeTestExecution(ExtensionContext context) {
        Settings settings = Settings.resolve(context, configuration(context));
        if (settings.mode() == Mode.OFF) {
            return;
        }
        List<Object> innermostFirst =
                new ArrayList<>(context.getRequiredTestInstances().getAllInstances());
        Collections.reverse(innermostFirst);
        Plan plan = new Plan(settings, Discovery.model(innermostFirst), Discovery.data(innermostFirst));
        context.getStore(NAMESPACE).put(Plan.class, plan);
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        Plan plan = context.getStore(NAMESPACE).remove(Plan.class, Plan.class);
        if (plan == null || context.getExecutionException().isPresent()) {
            // Off, or the test already failed (or was aborted): its own outcome stays.
            return;
        }
        Settings settings = plan.settings();
        Model model = plan.model().read();
        ProbeData probe = plan.data().read();
        ConsistencyReport report;
        try {
            report = BatchNormInspector.inspect(
                    model, probe, new InspectionOptions(settings.layerTolerance(), settings.trainingBatchSize()));
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(
                    "Could not check the model " + plan.model().describe() + " on the probe data "
                            + plan.data().describe() + ": " + e.getMessage(),
                    e);
        }

        // The check the assertion makes decides and words the failure, so the extension and the assertion never
        // disagree.
        Optional<ErrorMessageFactory> failure = judge(report, settings);
        String verdict = failure.isEmpty() ? ReportEntries.CONSISTENT : ReportEntries.DIVERGES;

        Map<String, String> entries = new LinkedHashMap<>();
        entries.put(ReportEntries.VERDICT, verdict);
        entries.put(
                ReportEntries.ROOT_LAYER,
                report.rootCause().map(LayerFinding::name).orElse(ReportEntries.NO_ROOT_LAYER));
        entries.put(
                ReportEntries.MAX_OUTPUT_DIFFERENCE,
                Double.toString(report.output().maxAbsDifference()));
        entries.put(
                ReportEntries.DIVERGING_LAYERS,
                Integer.toString(report.divergingLayers().size()));
        if (settings.reportDirectory() != null) {
            Path file = ReportFile.write(
                    settings.reportDirectory(), context, settings, verdict, plan.model(), plan.data(), report);
            entries.put(
                    ReportEntries.REPORT_FILE, file.toAbsolutePath().normalize().toString());
            Path html = HtmlReportFiles.write(context, settings, failure.isEmpty(), report, file);
            entries.put(
                    ReportEntries.HTML_REPORT_FILE,
                    html.toAbsolutePath().normalize().toString());
        }
        context.publishReportEntry(entries);
        if (settings.mode() == Mode.REPORT_ONLY) {
            context.publishReportEntry(ReportEntries.REPORT_TEXT, TextReport.render(report));
            // Maven Surefire records no report entries; one line on standard output shows up in its console
            System.out.println(ReportLine.of(
                    context.getDisplayName(),
                    failure.isEmpty(),
                    report,
                    settings,
                    entries.get(ReportEntries.REPORT_FILE)));
        } else if (failure.isPresent()) {
            throw new AssertionError(failure.get().create());
        }
    }

    /** The verdict of the judgement the settings chose, by the assertion's own check. */
    private static Optional<ErrorMessageFactory> judge(ConsistencyReport report, Settings settings) {
        return switch (settings.judgeBy()) {
            case OUTPUTS -> ConsistencyChecks.inferenceMatchesTraining(report, settings.tolerance());
            case PREDICTIONS -> ConsistencyChecks.predictionsMatchTraining(report, settings.minAgreement());
            case STATISTICS -> ConsistencyChecks.hasConvergedBatchNormStatistics(report);
            case INHERIT -> throw new IllegalStateException("judgeBy is resolved before the check");
        };
    }

    // Store.computeIfAbsent exists only from JUnit 5.13 and this extension supports 5.10 on; the deprecated
    // method does the same (atomically, so the parameters are read once per run even with parallel tests).
    @SuppressWarnings("deprecation")
    private static Configuration configuration(ExtensionContext context) {
        ExtensionContext root = context.getRoot();
        return root.getStore(NAMESPACE)
                .getOrComputeIfAbsent(Configuration.class, key -> Configuration.read(root), Configuration.class);
    }
}
