package io.github.bnconsistency.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.LocationProvider;
import io.github.bnconsistency.BatchNormInspector;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Set;

/**
 * The library's main classes as compiled for this build (target/classes, or the build directory of a profile),
 * found from where {@link BatchNormInspector} was loaded, so test classes of the same packages stay out.
 */
final class MainClasses {

    static final String ROOT_PACKAGE = "io.github.bnconsistency";

    /** The main classes directory, e.g. {@code target/classes}. */
    static final Path DIRECTORY = directory();

    private MainClasses() {}

    static JavaClasses imported() {
        return new ClassFileImporter().withImportOption(new OnlyMain()).importPath(DIRECTORY);
    }

    /** For {@code @AnalyzeClasses}: the main classes directory only, no scan of the whole classpath. */
    static final class Directory implements LocationProvider {
        @Override
        public Set<Location> get(Class<?> testClass) {
            return Set.of(Location.of(DIRECTORY));
        }
    }

    /** Keeps the classes of {@link #DIRECTORY} only: not test classes, not jars. */
    static final class OnlyMain implements ImportOption {
        @Override
        public boolean includes(Location location) {
            URI uri = location.asURI();
            return "file".equals(uri.getScheme()) && Path.of(uri).startsWith(DIRECTORY);
        }
    }

    private static Path directory() {
        try {
            return Path.of(BatchNormInspector.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("Cannot locate the main classes", e);
        }
    }
}
