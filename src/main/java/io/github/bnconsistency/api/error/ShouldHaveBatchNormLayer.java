package io.github.bnconsistency.api.error;

import java.util.List;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** The layer asked for is not a BatchNormalization layer of the model. */
public class ShouldHaveBatchNormLayer extends BasicErrorMessageFactory {

    /**
     * The message for a name that is not one of the model's BatchNormalization layers.
     *
     * @param name       the name asked for
     * @param layerNames the model's BatchNormalization layers
     * @return the factory of the failure message
     */
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
