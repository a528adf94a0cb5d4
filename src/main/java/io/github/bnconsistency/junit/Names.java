package io.github.bnconsistency.junit;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.stream.Collectors;

/** How messages name classes, fields and methods: {@code ClassifierTest.Inner.model}, {@code ClassifierTest.probe()}. */
final class Names {

    private Names() {}

    /** The class name without its package, nested classes joined by dots. */
    static String of(Class<?> type) {
        String name = type.getName();
        int dot = name.lastIndexOf('.');
        return name.substring(dot + 1).replace('$', '.');
    }

    static String of(Field field) {
        return of(field.getDeclaringClass()) + "." + field.getName();
    }

    static String of(Method method) {
        return of(method.getDeclaringClass()) + "." + method.getName() + "("
                + Arrays.stream(method.getParameterTypes())
                        .map(Class::getSimpleName)
                        .collect(Collectors.joining(", "))
                + ")";
    }
}
