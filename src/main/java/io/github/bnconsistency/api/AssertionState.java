package io.github.bnconsistency.api;

import org.assertj.core.api.AbstractAssert;
import org.assertj.core.api.SoftAssertionsProvider;

/** Carries description, representation and overriding message, and soft mode, from one assert to one it leads to. */
final class AssertionState {

    private AssertionState() {
    }

    static <A extends AbstractAssert<?, ?>> A inherit(A target, AbstractAssert<?, ?> source) {
        target.info.useRepresentation(source.info.representation());
        target.info.description(source.info.description());
        String overriding = source.info.overridingErrorMessage();
        if (overriding != null) {
            target.info.overridingErrorMessage(overriding);
        }
        return target;
    }

    /** A new layer assert: soft (collecting into {@code soft}) when the navigating assert is soft. */
    static BatchNormLayerAssert layerAssert(SoftAssertionsProvider soft, io.github.bnconsistency.report.LayerFinding finding) {
        return soft == null ? new BatchNormLayerAssert(finding)
                : soft.proxy(BatchNormLayerAssert.class, io.github.bnconsistency.report.LayerFinding.class, finding);
    }
}
