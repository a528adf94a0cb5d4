package io.github.bnconsistency.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaModifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Doc-sync test: ARCHITECTURE.md says what the code is. Its "Public surface" list equals the public top-level
 * types of the non-internal packages in the compiled main classes (target/classes), and its "Packages" table
 * equals the layers {@link ArchitectureTest} pins. On a difference the failure message shows the text to paste.
 */
class ArchitectureDocSyncTest {

    private static final Pattern BACKTICKED = Pattern.compile("`([^`]+)`");

    private static String doc;

    @BeforeAll
    static void readDoc() throws IOException {
        doc = Files.readString(Path.of("ARCHITECTURE.md"));
    }

    @Test
    void public_surface_lists_the_public_top_level_types_of_the_non_internal_packages() {
        Map<String, Set<String>> compiled = new TreeMap<>();
        for (JavaClass type : MainClasses.imported()) {
            if (type.isTopLevelClass()
                    && type.getModifiers().contains(JavaModifier.PUBLIC)
                    && !(type.getPackageName() + ".").contains(".internal.")) {
                compiled.computeIfAbsent(type.getPackageName(), p -> new TreeSet<>())
                        .add(type.getSimpleName());
            }
        }
        Map<String, Set<String>> documented = new TreeMap<>();
        for (String line : section("Public surface").split("\n")) {
            Matcher bullet = Pattern.compile("^- `([\\w.]+)`: (.*)$").matcher(line);
            if (bullet.matches()) {
                documented.put(bullet.group(1), backticked(bullet.group(2)));
            }
        }

        assertThat(documented)
                .as(
                        "ARCHITECTURE.md's 'Public surface' differs from %s; it should list:%n%s",
                        MainClasses.DIRECTORY,
                        compiled.entrySet().stream()
                                .map(e -> "- `" + e.getKey() + "`: "
                                        + e.getValue().stream()
                                                .map(name -> "`" + name + "`")
                                                .collect(Collectors.joining(", ")))
                                .collect(Collectors.joining("\n")))
                .isEqualTo(compiled);
    }

    @Test
    void packages_table_is_the_layering_ArchitectureTest_pins() {
        Map<String, Set<String>> pinned = new LinkedHashMap<>();
        ArchitectureTest.LAYERS.values().forEach(layer -> pinned.put(layer.name(), new TreeSet<>(layer.mayUse())));
        Map<String, Set<String>> documented = new LinkedHashMap<>();
        for (String line : section("Packages").split("\n")) {
            if (line.startsWith("| `")) {
                String[] cells = line.split("\\|");
                String name = backtickedInOrder(cells[1]).get(0);
                documented.put(name, backticked(cells[cells.length - 1]));
            }
        }

        assertThat(documented)
                .as("ARCHITECTURE.md's 'Packages' table (first column: the layer; last: what it may use) differs from "
                        + "ArchitectureTest.LAYERS")
                .containsExactlyEntriesOf(pinned);
    }

    /** The text of the {@code ## title} section, up to the next {@code ## } heading. */
    private static String section(String title) {
        int start = doc.indexOf("\n## " + title + "\n");
        assertThat(start).as("ARCHITECTURE.md has a section '## %s'", title).isNotNegative();
        int end = doc.indexOf("\n## ", start + 1);
        return doc.substring(start, end < 0 ? doc.length() : end);
    }

    private static Set<String> backticked(String text) {
        return new TreeSet<>(backtickedInOrder(text));
    }

    private static List<String> backtickedInOrder(String text) {
        List<String> names = new ArrayList<>();
        Matcher matcher = BACKTICKED.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }
}
