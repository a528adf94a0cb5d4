package io.github.bnconsistency.junit;

import io.github.bnconsistency.probe.ProbeData;
import java.lang.reflect.Field;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * Finds the model field and the probe data of a test on its instances, innermost (the test class) first, then
 * the enclosing instances of a {@code @Nested} class. Every misuse fails with a message naming the class, field or
 * method and the fix.
 */
final class Discovery {

    private Discovery() {}

    /**
     * The field annotated {@link ModelUnderTest} on the innermost instance that has one; failing that, the only
     * field of type MultiLayerNetwork or ComputationGraph on the innermost instance that has any.
     */
    static ModelSource model(List<Object> innermostFirst) {
        for (Object instance : innermostFirst) {
            List<Field> annotated = AnnotationSupport.findAnnotatedFields(instance.getClass(), ModelUnderTest.class);
            if (annotated.size() > 1) {
                throw new ExtensionConfigurationException(Names.of(instance.getClass()) + " has " + annotated.size()
                        + " fields annotated @ModelUnderTest (" + fieldNames(annotated) + "): annotate only the model "
                        + "@BatchNormConsistency should check.");
            }
            if (annotated.size() == 1) {
                Field field = annotated.get(0);
                if (!ModelSource.couldHoldModel(field.getType())) {
                    throw new ExtensionConfigurationException("The @ModelUnderTest field " + Names.of(field)
                            + " has type " + field.getType().getName()
                            + ": annotate a MultiLayerNetwork or ComputationGraph field.");
                }
                return new ModelSource(field, instance);
            }
        }
        for (Object instance : innermostFirst) {
            List<Field> candidates = ReflectionSupport.findFields(
                    instance.getClass(),
                    field -> ModelSource.isModelType(field.getType()),
                    HierarchyTraversalMode.TOP_DOWN);
            if (candidates.size() > 1) {
                throw new ExtensionConfigurationException(Names.of(instance.getClass()) + " has " + candidates.size()
                        + " model fields (" + fieldNames(candidates) + ") and none is annotated @ModelUnderTest: "
                        + "annotate the one @BatchNormConsistency should check with @ModelUnderTest.");
            }
            if (candidates.size() == 1) {
                return new ModelSource(candidates.get(0), instance);
            }
        }
        throw new ExtensionConfigurationException(
                "No model to check in " + Names.of(innermostFirst.get(0).getClass())
                        + ": @BatchNormConsistency needs a MultiLayerNetwork or ComputationGraph field (instance or static) in "
                        + "the test class or, for a @Nested class, an enclosing one; add it, annotated @ModelUnderTest if the "
                        + "class has several.");
    }

    /** The field or method annotated {@link ConsistencyData} on the innermost instance that has one. */
    static DataSource data(List<Object> innermostFirst) {
        for (Object instance : innermostFirst) {
            List<Member> annotated =
                    new ArrayList<>(AnnotationSupport.findAnnotatedFields(instance.getClass(), ConsistencyData.class));
            annotated.addAll(AnnotationSupport.findAnnotatedMethods(
                    instance.getClass(), ConsistencyData.class, HierarchyTraversalMode.TOP_DOWN));
            if (annotated.size() > 1) {
                throw new ExtensionConfigurationException(Names.of(instance.getClass()) + " has " + annotated.size()
                        + " @ConsistencyData fields and methods ("
                        + annotated.stream().map(Discovery::name).collect(Collectors.joining(", "))
                        + "): annotate only the probe data to check the model on.");
            }
            if (annotated.size() == 1) {
                return DataSource.of(annotated.get(0), instance);
            }
        }
        throw new ExtensionConfigurationException(
                "No probe data in " + Names.of(innermostFirst.get(0).getClass())
                        + ": annotate a field, or a method without parameters, with @ConsistencyData; it must hold or return "
                        + "one of " + ProbeData.acceptedTypes() + ".");
    }

    private static String fieldNames(List<Field> fields) {
        return fields.stream().map(Names::of).collect(Collectors.joining(", "));
    }

    private static String name(Member member) {
        return member instanceof Method method ? Names.of(method) : Names.of((Field) member);
    }
}
