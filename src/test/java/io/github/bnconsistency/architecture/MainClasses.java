package io.github.bnconsistency.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.LocationProvider;
import io.github.bnconsistency.BatchNormInspector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.jar.JarFile;

/**
 * The library's main classes as compiled for this build (target/classes, or the build directory of a profile),
 * found from where {@link BatchNormInspector} was loaded, so test classes of the same packages stay out. The dl4j-compat
 * and assertj-compat profiles run the tests on the main build's jar instead: then the jar is what is checked.
 */
final class MainClasses {

    static final String ROOT_PACKAGE = "io.github.bnconsistency";

    /** The main classes directory, e.g. {@code target/classes}, or the main jar. */
    static final Path DIRECTORY = directory();

    private MainClasses() {}

    static JavaClasses imported() {
        return new ClassFileImporter().withImportOption(new OnlyMain()).importLocations(Set.of(location()));
    }

    private static Location location() {
        if (Files.isDirectory(DIRECTORY)) {
            return Location.of(DIRECTORY);
        }
        try {
            return Location.of(new JarFile(DIRECTORY.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the main jar " + DIRECTORY, e);
        }
    }

    /** For {@code @AnalyzeClasses}: the main classes directory only, no scan of the whole classpath. */
    static final class Directory implements LocationProvider {
        @Override
        public Set<Location> get(Class<?> testClass) {
            return Set.of(location());
        }
    }

    /** Keeps the classes of {@link #DIRECTORY} only: not test classes, not other jars. */
    static final class OnlyMain implements ImportOption {
        @Override
        public boolean includes(Location location) {
            URI uri = location.asURI();
            if (!Files.isDirectory(DIRECTORY)) {
                return location.isJar() && location.contains(DIRECTORY.toString() + "!/");
            }
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
