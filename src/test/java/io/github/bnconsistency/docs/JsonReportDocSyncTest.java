package io.github.bnconsistency.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.report.JsonReport;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * README's "JSON report" section lists exactly the fields the JSON Schema has, in the schema's order, one table per
 * kind of object: a field added to the schema (and so to the files) without a README row, or documented without
 * being in the schema, fails. The schema in turn is held to the files by {@code JsonReportSchemaTest}.
 *
 * <p>A table's rows are dotted paths within its object ({@code probe.source}, {@code lint[].rule}); a field that
 * refers to another kind of object ({@code output}, {@code layers}, {@code report}) is one row, and that object has
 * its own table.
 */
class JsonReportDocSyncTest {

    private static JsonNode defs;
    private static Map<String, List<String>> readmeTables;

    @BeforeAll
    static void read() throws Exception {
        try (InputStream in = JsonReport.class.getClassLoader().getResourceAsStream(JsonReport.SCHEMA_RESOURCE)) {
            defs = new ObjectMapper().readTree(in).get("$defs");
        }
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(
                readme.indexOf("### JSON report\n"), readme.indexOf("\n### ", readme.indexOf("### JSON report\n") + 1));
        readmeTables = tables(section);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({
        "testReport, per-test file field",
        "report, report field",
        "output, output comparison field",
        "layer, layer field",
        "channel, channel field",
        "runSummary, summary.json field"
    })
    void the_readme_lists_exactly_the_schemas_fields(String definition, String tableHeading) {
        assertThat(readmeTables).containsKey(tableHeading);
        assertThat(readmeTables.get(tableHeading))
                .as("README table '%s' against the schema's $defs/%s", tableHeading, definition)
                .containsExactlyElementsOf(paths(defs.get(definition), ""));
    }

    @Test
    void every_table_of_the_section_is_checked() {
        assertThat(readmeTables).hasSize(6);
        assertThat(defs.size()).as("the schema's definitions: six documented, plus 'number'").isEqualTo(7);
    }

    /** The section's tables whose first heading ends in "field": heading, then the first cell of each row. */
    private static Map<String, List<String>> tables(String section) {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        Pattern heading = Pattern.compile("^\\| ([^|]* field) \\|", Pattern.MULTILINE);
        Matcher m = heading.matcher(section);
        while (m.find()) {
            List<String> rows = new ArrayList<>();
            for (String line : section.substring(m.end()).lines().skip(2).toList()) {
                if (!line.startsWith("| `")) {
                    break;
                }
                rows.add(line.substring(3, line.indexOf('`', 3)));
            }
            tables.put(m.group(1), rows);
        }
        return tables;
    }

    /** Every property path of an object schema; a {@code $ref} is a leaf (its object has a table of its own). */
    private static List<String> paths(JsonNode object, String prefix) {
        List<String> paths = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.get("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String path = prefix + field.getKey();
            JsonNode property = field.getValue();
            paths.add(path);
            if (property.has("$ref")) {
                continue;
            }
            JsonNode inner = objectOf(property);
            if (inner != null) {
                paths.addAll(paths(inner, path + "."));
            } else if (property.path("type").asText().equals("array")
                    && !property.get("items").has("$ref")
                    && objectOf(property.get("items")) != null) {
                paths.addAll(paths(objectOf(property.get("items")), path + "[]."));
            }
        }
        return paths;
    }

    /** The object schema a property is, or one of its {@code oneOf} branches is (e.g. an object or null). */
    private static JsonNode objectOf(JsonNode property) {
        if (property.has("properties")) {
            return property;
        }
        for (JsonNode branch : property.path("oneOf")) {
            if (branch.has("properties")) {
                return branch;
            }
        }
        return null;
    }
}
