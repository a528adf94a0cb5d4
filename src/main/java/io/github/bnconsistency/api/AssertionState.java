package io.github.bnconsistency.api;

import io.github.bnconsistency.report.LayerFinding;
import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.SoftAssertionsProvider;

/**
 * What an assert hands to the assert it navigates to: description, representation and overriding message, soft
 * mode, and the model assert to return to.
 */
final class AssertionState {

    private AssertionState() {}

    static <A extends AbstractAssert<?, ?>> A inherit(A target, AbstractAssert<?, ?> source) {
        target.info.useRepresentation(source.info.representation());
        target.info.description(source.info.description());
        String overriding = source.info.overridingErrorMessage();
        if (overriding != null) {
            target.info.overridingErrorMessage(overriding);
        }
        return target;
    }

    /** Refuses a null layer name before anything is inspected. */
    static void requireLayerName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("The layer name is null: pass the name of a BatchNormalization layer "
                    + "(the vertex name in a ComputationGraph).");
        }
    }

    /**
     * A navigation failure: thrown at once, or in soft mode collected (the navigation then goes on to a layer assert
     * that skips its assertions, so one misspelled name is one failure).
     */
    static void failOrCollect(SoftAssertionsProvider soft, AssertionError failure) {
        if (soft == null) {
            throw failure;
        }
        soft.collectAssertionError(failure);
    }

    /**
     * The layer assert navigated to from {@code source}: soft (collecting into {@code soft}) when the navigating
     * assert is soft, able to return to {@code model} (null when the navigation started at a report). A null
     * {@code finding} is a layer the model does not have, whose failure was collected: its assertions are skipped.
     */
    static BatchNormLayerAssert layerAssert(
            SoftAssertionsProvider soft,
            LayerFinding finding,
            AbstractAssert<?, ?> source,
            AbstractModelAssert<?, ?> model) {
        BatchNormLayerAssert layer = soft == null
                ? new BatchNormLayerAssert(finding)
                : soft.proxy(BatchNormLayerAssert.class, LayerFinding.class, finding);
        return inherit(layer, source).navigatedFrom(model, finding == null);
    }
}
