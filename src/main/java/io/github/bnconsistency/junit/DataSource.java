package io.github.bnconsistency.junit;

import io.github.bnconsistency.probe.ProbeData;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * The {@code @ConsistencyData} field or method the probe data comes from, and the test instance that holds it
 * (ignored when static). A method is called at every check, so each check gets fresh data.
 *
 * @param member   the annotated field or method
 * @param instance the test instance whose class declares or inherits it
 */
record DataSource(Member member, Object instance) {

    /** The declared types {@code ProbeData.from} accepts, from its one list. */
    private static final List<Class<?>> ACCEPTED = ProbeData.acceptedClasses();

    /** Checks what can be checked before the test runs: parameters and declared type. */
    static DataSource of(Member member, Object instance) {
        DataSource source = new DataSource(member, instance);
        Class<?> type;
        if (member instanceof Method method) {
            if (method.getParameterCount() > 0) {
                throw new ExtensionConfigurationException("The @ConsistencyData method " + source.describe()
                        + " has parameters: declare it without parameters (it is called anew for every check).");
            }
            type = method.getReturnType();
        } else {
            type = ((Field) member).getType();
        }
        if (!couldHoldProbeData(type)) {
            throw new ExtensionConfigurationException("The @ConsistencyData " + source.kind() + " " + source.describe()
                    + " has type " + type.getName() + ", which is not probe data: make it one of "
                    + ProbeData.acceptedTypes() + ".");
        }
        return source;
    }

    private static boolean couldHoldProbeData(Class<?> type) {
        // A supertype such as Object or Iterator may hold accepted data: checked again on the value.
        return ACCEPTED.stream()
                .anyMatch(accepted -> accepted.isAssignableFrom(type) || type.isAssignableFrom(accepted));
    }

    /** Reads the field or calls the method, and turns the value into probe data. */
    ProbeData read() {
        Object value;
        if (member instanceof Method method) {
            value = ReflectionSupport.invokeMethod(method, instance);
        } else {
            value = ReflectionSupport.tryToReadFieldValue((Field) member, instance)
                    .getOrThrow(e -> new ExtensionConfigurationException(
                            "Could not read the @ConsistencyData field " + describe() + ": " + e, e));
        }
        if (value == null) {
            throw new ExtensionConfigurationException("The @ConsistencyData " + kind() + " " + describe()
                    + (member instanceof Method ? " returned null" : " is null") + ": provide the data to check the "
                    + "model on, one of " + ProbeData.acceptedTypes() + ".");
        }
        try {
            return ProbeData.from(value);
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(
                    "The @ConsistencyData " + kind() + " " + describe()
                            + (member instanceof Method ? " returned a " : " holds a ")
                            + value.getClass().getName()
                            + ", which is not probe data: provide one of " + ProbeData.acceptedTypes() + ".",
                    e);
        }
    }

    /** E.g. {@code ClassifierTest.probe()} or {@code ClassifierTest.validation}. */
    String describe() {
        return member instanceof Method method ? Names.of(method) : Names.of((Field) member);
    }

    private String kind() {
        return member instanceof Method ? "method" : "field";
    }
}
