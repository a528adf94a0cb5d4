package io.github.bnconsistency.junit;

import java.lang.reflect.Field;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The field the model is read from, and the test instance that holds it (ignored for a static field).
 *
 * @param field    the model field
 * @param instance the test instance whose class declares or inherits the field
 */
record ModelSource(Field field, Object instance) {

    /** Whether a field of this declared type holds a model the engine checks. */
    static boolean isModelType(Class<?> type) {
        return MultiLayerNetwork.class.isAssignableFrom(type) || ComputationGraph.class.isAssignableFrom(type);
    }

    /** Whether a field of this declared type could hold one (e.g. {@code Model}, {@code Object}). */
    static boolean couldHoldModel(Class<?> type) {
        return isModelType(type)
                || type.isAssignableFrom(MultiLayerNetwork.class)
                || type.isAssignableFrom(ComputationGraph.class);
    }

    /** The model, checked to be an initialized MultiLayerNetwork or ComputationGraph. */
    Model read() {
        Object value = ReflectionSupport.tryToReadFieldValue(field, instance)
                .getOrThrow(e -> new ExtensionConfigurationException(
                        "Could not read the model field " + describe() + ": " + e, e));
        if (value == null) {
            throw new ExtensionConfigurationException("The model field " + describe() + " is null when the test ends: "
                    + "assign the MultiLayerNetwork or ComputationGraph to check in its initializer, in @BeforeEach "
                    + "or in the test.");
        }
        if (value instanceof MultiLayerNetwork network) {
            if (network.getLayers() == null) {
                throw notInitialized("MultiLayerNetwork");
            }
            return network;
        }
        if (value instanceof ComputationGraph graph) {
            if (graph.getVertices() == null) {
                throw notInitialized("ComputationGraph");
            }
            return graph;
        }
        throw new ExtensionConfigurationException("The model field " + describe() + " holds a "
                + value.getClass().getName()
                + ": @BatchNormConsistency checks a MultiLayerNetwork or ComputationGraph; "
                + "annotate the field that holds one with @ModelUnderTest.");
    }

    /** E.g. {@code ClassifierTest.model}. */
    String describe() {
        return Names.of(field);
    }

    private ExtensionConfigurationException notInitialized(String type) {
        return new ExtensionConfigurationException("The " + type + " in " + describe() + " is not initialized: "
                + "call init() on it (or load a trained model) before the test ends.");
    }
}
