package io.github.bnconsistency.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.github.bnconsistency.report.JsonReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The library's JSON Schema ({@link JsonReport#SCHEMA_RESOURCE}, read from the class path as a user reads it from
 * the jar) and a validator for it (networknt json-schema-validator, test scope only), for every JSON document the
 * tests make: reports, the extension's per-test files and its run summary.
 */
public final class ReportSchema {

    private static final Schema SCHEMA = load();

    private ReportSchema() {}

    private static Schema load() {
        try (InputStream in = ReportSchema.class.getClassLoader().getResourceAsStream(JsonReport.SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("No " + JsonReport.SCHEMA_RESOURCE + " on the class path");
            }
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(in, InputFormat.JSON);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the schema finds wrong with the document, one line each; empty when it validates. */
    public static List<String> errors(String json) {
        return SCHEMA.validate(json, InputFormat.JSON).stream()
                .map(Object::toString)
                .toList();
    }

    /** Fails, listing the schema's errors, unless the document validates. */
    public static void assertValid(String json, String what) {
        assertThat(errors(json)).as("schema errors of %s", what).isEmpty();
    }

    /** Validates every {@code .json} file in the directory (the extension's report directory); returns their count. */
    public static int assertValidFiles(Path directory) {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(directory)) {
            List<Path> json = files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .sorted()
                    .toList();
            for (Path file : json) {
                assertValid(Files.readString(file), file.toString());
            }
            return json.size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
