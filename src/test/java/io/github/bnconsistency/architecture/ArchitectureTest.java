package io.github.bnconsistency.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.domain.JavaType;
import com.tngtech.archunit.core.domain.SourceCodeLocation;
import com.tngtech.archunit.core.domain.ThrowsDeclaration;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The package structure of ARCHITECTURE.md, pinned: dependencies point one way (the layer table), no package cycles,
 * no {@code internal} type in an API signature, and no test-only library in the main code. Main classes only
 * (see {@link MainClasses}); the test code may use anything.
 */
@AnalyzeClasses(locations = MainClasses.Directory.class, importOptions = MainClasses.OnlyMain.class)
class ArchitectureTest {

    /**
     * The layers, bottom to top, and what each may use besides itself: ARCHITECTURE.md's "Packages" table, which
     * ArchitectureDocSyncTest compares with this. Names are relative to {@code io.github.bnconsistency};
     * {@code (root)} is that package itself (the entry points); {@code api} and {@code junit} include their
     * subpackages.
     */
    static final Map<String, Layer> LAYERS = layers(
            new Layer("internal", "io.github.bnconsistency.internal"),
            new Layer("probe", "io.github.bnconsistency.probe", "internal"),
            new Layer("report", "io.github.bnconsistency.report", "internal"),
            new Layer("internal.engine", "io.github.bnconsistency.internal.engine", "internal", "probe", "report"),
            new Layer("lint", "io.github.bnconsistency.lint", "internal", "internal.engine", "probe", "report"),
            new Layer(
                    "internal.diagnosis",
                    "io.github.bnconsistency.internal.diagnosis",
                    "internal",
                    "internal.engine",
                    "lint",
                    "probe",
                    "report"),
            new Layer(
                    "(root)",
                    "io.github.bnconsistency",
                    "internal",
                    "internal.engine",
                    "internal.diagnosis",
                    "lint",
                    "probe",
                    "report"),
            new Layer(
                    "api",
                    "io.github.bnconsistency.api..",
                    "internal",
                    "internal.engine",
                    "internal.diagnosis",
                    "lint",
                    "probe",
                    "report",
                    "(root)"),
            new Layer(
                    "junit",
                    "io.github.bnconsistency.junit..",
                    "internal",
                    "internal.engine",
                    "internal.diagnosis",
                    "lint",
                    "probe",
                    "report",
                    "(root)",
                    "api"));

    /** A layer: its name, the ArchUnit package identifier defining it, and the layers it may use besides itself. */
    record Layer(String name, String packages, List<String> mayUse) {
        Layer(String name, String packages, String... mayUse) {
            this(name, packages, List.of(mayUse));
        }
    }

    /** Public, or protected and nested, in an enclosing type that is itself visible: reachable by users. */
    static final DescribedPredicate<JavaClass> VISIBLE_OUTSIDE_THE_LIBRARY =
            DescribedPredicate.describe("are visible outside the library", ArchitectureTest::visibleOutside);

    @ArchTest
    static final ArchRule dependencies_point_down_the_layers = layering()
            .because("each package may use only the packages below it (ARCHITECTURE.md, 'Packages'); a new package "
                    + "needs a row in that table and in ArchitectureTest.LAYERS");

    /**
     * One slice per package, the root package included: {@code io.github.bnconsistency.(**)} would leave the root
     * package (the entry points) out of every slice, and with it the root&lt;-&gt;engine and root&lt;-&gt;lint
     * cycles this rule exists for.
     */
    @ArchTest
    static final ArchRule no_package_cycles = slices().matching("io.github.(bnconsistency..)")
            .namingSlices("package $1")
            .should()
            .beFreeOfCycles();

    @ArchTest
    static final ArchRule api_signatures_use_no_internal_types = classes()
            .that()
            .resideOutsideOfPackage("..internal..")
            .and(VISIBLE_OUTSIDE_THE_LIBRARY)
            .should(exposeNoInternalTypes())
            .because("internal packages may change in any release, so no public or protected signature of an API type "
                    + "may name one of their types");

    /** The pom's test-scope libraries: on the test classpath only, so main code using them breaks for users. */
    @ArchTest
    static final ArchRule main_code_uses_no_test_only_library = noClasses()
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.junit.jupiter.engine..",
                    "org.junit.jupiter.params..",
                    "org.junit.platform.engine..",
                    "org.junit.platform.launcher..",
                    "org.junit.platform.testkit..",
                    "com.tngtech.archunit..",
                    "org.deeplearning4j.nn.modelimport..",
                    "org.nd4j.linalg.cpu.nativecpu..")
            .because("users get the library with deeplearning4j-nn and junit-jupiter-api only: the JUnit engine, "
                    + "ArchUnit, Keras import and the ND4J backend are test-scope dependencies of this build");

    private static LayeredArchitecture layering() {
        LayeredArchitecture architecture = layeredArchitecture()
                .consideringOnlyDependenciesInLayers()
                .ensureAllClassesAreContainedInArchitecture();
        for (Layer layer : LAYERS.values()) {
            architecture = architecture.layer(layer.name()).definedBy(layer.packages());
        }
        for (Layer layer : LAYERS.values()) {
            architecture = layer.mayUse().isEmpty()
                    ? architecture.whereLayer(layer.name()).mayNotAccessAnyLayer()
                    : architecture
                            .whereLayer(layer.name())
                            .mayOnlyAccessLayers(layer.mayUse().toArray(String[]::new));
        }
        return architecture;
    }

    private static Map<String, Layer> layers(Layer... layers) {
        Map<String, Layer> byName = new LinkedHashMap<>();
        for (Layer layer : layers) {
            byName.put(layer.name(), layer);
        }
        return byName;
    }

    static boolean visibleOutside(JavaClass type) {
        if (type.isAnonymousClass() || type.isLocalClass()) {
            return false;
        }
        boolean visible = type.getModifiers().contains(JavaModifier.PUBLIC)
                || (type.isNestedClass() && type.getModifiers().contains(JavaModifier.PROTECTED));
        return visible
                && type.getEnclosingClass()
                        .map(ArchitectureTest::visibleOutside)
                        .orElse(true);
    }

    private static boolean visibleOutside(JavaMember member) {
        Set<JavaModifier> modifiers = member.getModifiers();
        return (modifiers.contains(JavaModifier.PUBLIC) || modifiers.contains(JavaModifier.PROTECTED))
                && !modifiers.contains(JavaModifier.SYNTHETIC)
                && !modifiers.contains(JavaModifier.BRIDGE);
    }

    /**
     * No type of an {@code ..internal..} package (also not as a type argument or bound) in: the supertypes and type
     * parameters of the type; parameter, return, thrown and type-parameter types of its public and protected methods
     * and constructors (records: the canonical constructor and the accessors, i.e. the components); the types of
     * its public and protected fields.
     */
    private static ArchCondition<JavaClass> exposeNoInternalTypes() {
        return new ArchCondition<>("expose no type of an internal package in a public or protected signature") {
            @Override
            public void check(JavaClass type, ConditionEvents events) {
                List<JavaType> supertypes = new ArrayList<>(type.getInterfaces());
                type.getSuperclass().ifPresent(supertypes::add);
                supertypes.addAll(type.getTypeParameters());
                report(
                        type,
                        type.getDescription() + " in its supertypes or type parameters",
                        type.getSourceCodeLocation(),
                        supertypes,
                        events);
                for (JavaMember member : type.getMembers()) {
                    if (!visibleOutside(member)) {
                        continue;
                    }
                    List<JavaType> used = new ArrayList<>();
                    if (member instanceof JavaField field) {
                        used.add(field.getType());
                    } else if (member instanceof JavaCodeUnit codeUnit) {
                        used.add(codeUnit.getReturnType());
                        used.addAll(codeUnit.getParameterTypes());
                        used.addAll(codeUnit.getTypeParameters());
                        for (ThrowsDeclaration<?> thrown : codeUnit.getThrowsClause()) {
                            used.add(thrown.getRawType());
                        }
                    }
                    report(
                            type,
                            member.getDescription() + " in its signature",
                            member.getSourceCodeLocation(),
                            used,
                            events);
                }
            }

            private void report(
                    JavaClass type,
                    String where,
                    SourceCodeLocation location,
                    Collection<? extends JavaType> used,
                    ConditionEvents events) {
                for (JavaType javaType : used) {
                    for (JavaClass raw : javaType.getAllInvolvedRawTypes()) {
                        if (raw.getPackageName().startsWith(MainClasses.ROOT_PACKAGE)
                                && (raw.getPackageName() + ".").contains(".internal.")) {
                            events.add(SimpleConditionEvent.violated(
                                    type, where + " uses internal type " + raw.getName() + " " + location));
                        }
                    }
                }
            }
        };
    }
}
