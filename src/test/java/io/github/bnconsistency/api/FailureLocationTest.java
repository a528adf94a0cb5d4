package io.github.bnconsistency.api;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

/**
 * Every failure points at the line of the test that made the assertion: each assert throws its own
 * {@code assertionError}, and AssertJ strips the assert's frames.
 */
class FailureLocationTest {

    /** The caller's frame: compared with the failure's first, both name this class, method and line. */
    private static StackTraceElement here() {
        return new Throwable().getStackTrace()[1];
    }

    @Test
    void should_point_at_the_line_of_a_failing_model_assertion() {
        StackTraceElement line = null;
        try {
            line = here(); assertThat(ApiFixtures.diverging()).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-3);
        } catch (AssertionError failure) {
            assertThat(failure.getStackTrace()[0]).isEqualTo(line);
            return;
        }
        fail("the model assertion did not fail");
    }

    @Test
    void should_point_at_the_line_of_a_failing_convergence_assertion_on_the_model() {
        StackTraceElement line = null;
        try {
            line = here(); assertThat(ApiFixtures.diverging()).probedWith(ApiFixtures.FEATURES).hasConvergedBatchNormStatistics(0.1);
        } catch (AssertionError failure) {
            assertThat(failure.getStackTrace()[0]).isEqualTo(line);
            return;
        }
        fail("the model assertion did not fail");
    }

    @Test
    void should_point_at_the_line_of_a_failing_report_assertion() {
        ConsistencyReport report = BatchNormInspector.inspect(ApiFixtures.diverging(), ApiFixtures.FEATURES);
        StackTraceElement line = null;
        try {
            line = here(); assertThat(report).hasConvergedBatchNormStatistics();
        } catch (AssertionError failure) {
            assertThat(failure.getStackTrace()[0]).isEqualTo(line);
            return;
        }
        fail("the report assertion did not fail");
    }

    @Test
    void should_point_at_the_line_of_a_failing_layer_assertion() {
        StackTraceElement line = null;
        try {
            line = here(); assertThat(ApiFixtures.diverging()).probedWith(ApiFixtures.FEATURES).batchNormLayer("bn").hasMeanShiftBelow(0.1);
        } catch (AssertionError failure) {
            assertThat(failure.getStackTrace()[0]).isEqualTo(line);
            return;
        }
        fail("the layer assertion did not fail");
    }

    @Test
    void should_point_at_the_line_of_a_navigation_to_a_missing_layer() {
        StackTraceElement line = null;
        try {
            line = here(); assertThat(ApiFixtures.diverging()).probedWith(ApiFixtures.FEATURES).batchNormLayer("bn9");
        } catch (AssertionError failure) {
            assertThat(failure.getStackTrace()[0]).isEqualTo(line);
            return;
        }
        fail("the navigation did not fail");
    }

    @Test
    void should_point_every_soft_failure_at_the_line_of_its_assertion() {
        BatchNormSoftAssertions softly = new BatchNormSoftAssertions();

        StackTraceElement modelLine = here(); softly.assertThat(ApiFixtures.diverging()).inferenceMatchesTraining(ApiFixtures.FEATURES, 1e-3);
        ConsistencyReport report = BatchNormInspector.inspect(ApiFixtures.diverging(), ApiFixtures.FEATURES);
        StackTraceElement reportLine = here(); softly.assertThat(report).hasConvergedBatchNormStatistics();
        StackTraceElement layerLine = here(); softly.assertThat(ApiFixtures.diverging()).probedWith(ApiFixtures.FEATURES).batchNormLayer("bn").hasMeanShiftBelow(0.1);

        // AssertJ leaves the frame of the proxy class it generates for a soft assert outside org.assertj on top
        // (assertj#1187: its soft-assertion messages skip it); below it, no frame of this library's asserts.
        assertThat(softly.assertionErrorsCollected()).extracting(FailureLocationTest::firstFrameOutsideTheSoftProxy)
                .containsExactly(modelLine, reportLine, layerLine);
        assertThat(catchThrowable(softly::assertAll)).hasMessageContaining(asAssertAllShowsIt(modelLine))
                .hasMessageContaining(asAssertAllShowsIt(reportLine)).hasMessageContaining(asAssertAllShowsIt(layerLine));
    }

    /** E.g. {@code at FailureLocationTest.should_point(FailureLocationTest.java:42)}. */
    private static String asAssertAllShowsIt(StackTraceElement line) {
        return "\nat " + FailureLocationTest.class.getSimpleName() + "." + line.getMethodName() + "(" + line.getFileName()
                + ":" + line.getLineNumber() + ")";
    }

    private static StackTraceElement firstFrameOutsideTheSoftProxy(AssertionError failure) {
        return Arrays.stream(failure.getStackTrace()).filter(frame -> !frame.getClassName().contains("$ByteBuddy$"))
                .findFirst().orElseThrow();
    }
}
