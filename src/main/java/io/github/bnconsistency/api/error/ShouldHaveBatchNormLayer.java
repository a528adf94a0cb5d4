package io.github.bnconsistency.api.error;

import java.util.List;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** The layer asked for is not a BatchNormalization layer of the model. */
public class ShouldHaveBatchNormLayer extends BasicErrorMessageFactory {

    public static ErrorMessageFactory shouldHaveBatchNormLayer(String name, List<String> layerNames) {
        return new ShouldHaveBatchNormLayer(name, layerNames);
    }

    private ShouldHaveBatchNormLayer(String name, List<String> layerNames) {
        super(
                "%nExpecting the model to have a BatchNormalization layer named %s,%nbut %s.",
                name,
                unquotedString(
                        layerNames.isEmpty()
                                ? "it has none"
                                : "its BatchNormalization layers are " + String.join(", ", layerNames)));
    }
}
