package io.github.bnconsistency.junit;

import java.lang.reflect.Method;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoublePredicate;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * The settings of one check, each attribute resolved on its own: method annotation, class annotation (with its
 * superclasses), enclosing classes' annotations, configuration parameter, built-in default.
 *
 * @param tolerance       max output difference that passes
 * @param layerTolerance  per-layer divergence tolerance of the inspection
 * @param mode            FAIL, REPORT_ONLY or OFF (never INHERIT)
 * @param reportDirectory where the JSON reports go, or null for none
 * @param trainingBatchSize the training batch size passed to the inspection, 0 when not given (the probe's is used)
 * @param judgeBy         OUTPUTS, PREDICTIONS or STATISTICS (never INHERIT)
 * @param minAgreement    the smallest prediction agreement that passes when judging by PREDICTIONS
 */
record Settings(
        double tolerance,
        double layerTolerance,
        Mode mode,
        Path reportDirectory,
        int trainingBatchSize,
        JudgeBy judgeBy,
        double minAgreement) {

    /** An annotation and where it was found, for messages. */
    private record Declared(BatchNormConsistency annotation, String where) {}

    static Settings resolve(ExtensionContext context, Configuration configuration) {
        List<Declared> declared = declarations(context);
        Mode mode = resolveMode(declared, configuration);
        if (mode == Mode.OFF) {
            return new Settings(Double.NaN, Double.NaN, Mode.OFF, null, 0, JudgeBy.OUTPUTS, Double.NaN);
        }
        double tolerance = resolveTolerance(
                declared,
                BatchNormConsistency::tolerance,
                "tolerance",
                configuration.tolerance(),
                BatchNormConsistency.TOLERANCE_KEY,
                BatchNormConsistency.DEFAULT_TOLERANCE,
                "the largest |train - inference| output difference the test accepts, e.g. 1e-3");
        double layerTolerance = resolveTolerance(
                declared,
                BatchNormConsistency::layerTolerance,
                "layerTolerance",
                configuration.layerTolerance(),
                BatchNormConsistency.LAYER_TOLERANCE_KEY,
                BatchNormConsistency.DEFAULT_LAYER_TOLERANCE,
                "the normalized divergence above which a layer counts as not converged, e.g. 0.05");
        int trainingBatchSize = resolveTrainingBatchSize(declared, configuration.trainingBatchSize());
        JudgeBy judgeBy = resolveJudgeBy(declared, configuration.judgeBy());
        double minAgreement = resolveDouble(
                declared,
                BatchNormConsistency::minAgreement,
                "minAgreement",
                configuration.minAgreement(),
                BatchNormConsistency.MIN_AGREEMENT_KEY,
                BatchNormConsistency.DEFAULT_MIN_AGREEMENT,
                value -> value > 0 && value <= 1,
                "a fraction in (0, 1]",
                "the smallest fraction of predictions that must agree with training's, e.g. 0.99");
        return new Settings(
                tolerance,
                layerTolerance,
                mode,
                reportDirectory(configuration.reportDirectory()),
                trainingBatchSize,
                judgeBy,
                minAgreement);
    }

    /** Method, classes, configuration parameter; 0 (not given: the probe's batch size) when nothing sets it. */
    private static int resolveTrainingBatchSize(List<Declared> declared, String raw) {
        for (Declared d : declared) {
            int value = d.annotation().trainingBatchSize();
            if (value != BatchNormConsistency.INHERIT_TRAINING_BATCH_SIZE) {
                if (value < 2) {
                    throw new ExtensionConfigurationException("@BatchNormConsistency(trainingBatchSize = " + value
                            + ") on " + d.where() + " is not a batch size of at least 2: set the mini-batch size your "
                            + "training iterator yields, e.g. 16, or leave it out to inherit it (when nothing sets "
                            + "it, the probe's batch size is taken for it).");
                }
                return value;
            }
        }
        if (raw == null) {
            return 0;
        }
        int value;
        try {
            value = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            value = -1;
        }
        if (value < 2) {
            throw new ExtensionConfigurationException("Configuration parameter "
                    + BatchNormConsistency.TRAINING_BATCH_SIZE_KEY + " = '" + raw + "' is not a batch size of at least "
                    + "2: set it to the mini-batch size your training iterator yields, e.g. 16 (in "
                    + "junit-platform.properties or with -D" + BatchNormConsistency.TRAINING_BATCH_SIZE_KEY + "=...), "
                    + "or remove it to take the probe's batch size for it.");
        }
        return value;
    }

    private static JudgeBy resolveJudgeBy(List<Declared> declared, String raw) {
        for (Declared d : declared) {
            if (d.annotation().judgeBy() != JudgeBy.INHERIT) {
                return d.annotation().judgeBy();
            }
        }
        if (raw == null) {
            return JudgeBy.OUTPUTS;
        }
        JudgeBy judgeBy = JudgeBy.fromConfigurationValue(raw);
        if (judgeBy == null) {
            throw new ExtensionConfigurationException("Configuration parameter " + BatchNormConsistency.JUDGE_BY_KEY
                    + " = '" + raw + "' is not a judgement of @BatchNormConsistency: set it to outputs, predictions or "
                    + "statistics (in junit-platform.properties or with -D" + BatchNormConsistency.JUDGE_BY_KEY
                    + "=...), or remove it to judge by outputs.");
        }
        return judgeBy;
    }

    /** Innermost first: the method's annotation, then each class from the test class outwards. */
    private static List<Declared> declarations(ExtensionContext context) {
        List<Declared> declared = new ArrayList<>();
        Optional<Method> method = context.getTestMethod();
        method.flatMap(m -> AnnotationSupport.findAnnotation(m, BatchNormConsistency.class))
                .ifPresent(a -> declared.add(new Declared(a, "method " + Names.of(method.get()))));
        // The context chain gives the @Nested enclosing classes in JUnit's own order, innermost first.
        Set<Class<?>> classes = new LinkedHashSet<>();
        for (Optional<ExtensionContext> c = Optional.of(context);
                c.isPresent();
                c = c.get().getParent()) {
            c.get().getTestClass().ifPresent(classes::add);
        }
        for (Class<?> type : classes) {
            AnnotationSupport.findAnnotation(type, BatchNormConsistency.class)
                    .ifPresent(a -> declared.add(new Declared(a, "class " + Names.of(type))));
        }
        return declared;
    }

    private static Mode resolveMode(List<Declared> declared, Configuration configuration) {
        for (Declared d : declared) {
            if (d.annotation().mode() != Mode.INHERIT) {
                return d.annotation().mode();
            }
        }
        String raw = configuration.mode();
        if (raw == null) {
            return Mode.FAIL;
        }
        Mode mode = Mode.fromConfigurationValue(raw);
        if (mode == null) {
            throw new ExtensionConfigurationException("Configuration parameter " + BatchNormConsistency.MODE_KEY
                    + " = '" + raw + "' is not a mode of @BatchNormConsistency: set it to fail, report_only or off "
                    + "(in junit-platform.properties or with -D" + BatchNormConsistency.MODE_KEY
                    + "=...), or remove it.");
        }
        return mode;
    }

    private static double resolveTolerance(
            List<Declared> declared,
            ToDoubleFunction<BatchNormConsistency> attribute,
            String attributeName,
            String raw,
            String key,
            double builtIn,
            String meaning) {
        return resolveDouble(
                declared,
                attribute,
                attributeName,
                raw,
                key,
                builtIn,
                Settings::isPositiveFinite,
                "a positive finite number",
                meaning);
    }

    private static double resolveDouble(
            List<Declared> declared,
            ToDoubleFunction<BatchNormConsistency> attribute,
            String attributeName,
            String raw,
            String key,
            double builtIn,
            DoublePredicate valid,
            String validPhrase,
            String meaning) {
        for (Declared d : declared) {
            double value = attribute.applyAsDouble(d.annotation());
            if (!Double.isNaN(value)) {
                if (!valid.test(value)) {
                    throw new ExtensionConfigurationException("@BatchNormConsistency(" + attributeName + " = " + value
                            + ") on " + d.where() + " is not " + validPhrase + ": set " + meaning
                            + ", or leave it out to inherit it.");
                }
                return value;
            }
        }
        if (raw == null) {
            return builtIn;
        }
        double value;
        try {
            value = Double.parseDouble(raw.trim());
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!valid.test(value)) {
            throw new ExtensionConfigurationException("Configuration parameter " + key + " = '" + raw
                    + "' is not " + validPhrase + ": set it to " + meaning + " (in junit-platform.properties or "
                    + "with -D" + key + "=...), or remove it to use " + builtIn + ".");
        }
        return value;
    }

    private static boolean isPositiveFinite(double value) {
        return value > 0 && !Double.isInfinite(value);
    }

    private static Path reportDirectory(String raw) {
        if (raw == null) {
            return Paths.get(BatchNormConsistency.DEFAULT_REPORT_DIRECTORY);
        }
        String value = raw.trim();
        if (value.isEmpty() || value.toLowerCase(Locale.ROOT).equals(BatchNormConsistency.NO_REPORT_DIRECTORY)) {
            return null;
        }
        try {
            return Paths.get(value);
        } catch (InvalidPathException e) {
            throw new ExtensionConfigurationException(
                    "Configuration parameter "
                            + BatchNormConsistency.REPORT_DIRECTORY_KEY + " = '" + raw + "' is not a path: set it to a "
                            + "directory, or to " + BatchNormConsistency.NO_REPORT_DIRECTORY
                            + " to write no JSON reports.",
                    e);
        }
    }
}
