package io.github.bnconsistency.junit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** JSON report file names: one per test, stable across runs, safe on every file system. */
class ReportFileTest {

    @Test
    void should_name_the_file_after_class_and_method() {
        assertThat(ReportFile.fileName("[engine:junit-jupiter]/[class:com.example.ClassifierTest]/[method:learns()]"))
                .isEqualTo("com.example.ClassifierTest.learns().json");
    }

    @Test
    void should_keep_nested_classes_and_invocations_apart() {
        assertThat(
                        ReportFile.fileName(
                                "[engine:junit-jupiter]/[class:com.example.ClassifierTest]"
                                        + "/[nested-class:Inner]/[test-template:learns(int, java.lang.String)]/[test-template-invocation:#2]"))
                .isEqualTo("com.example.ClassifierTest.Inner.learns(int,_java.lang.String).#2.json");
    }

    @Test
    void should_replace_characters_file_systems_reject_and_bound_the_length() {
        String id =
                "[engine:junit-jupiter]/[class:a.B]/[method:m(java.util.Map<K, V>)]/[x:" + "y/z:*?".repeat(60) + "]";

        String name = ReportFile.fileName(id);

        assertThat(name)
                .matches("[A-Za-z0-9._$#(),-]+\\.json")
                .hasSizeLessThanOrEqualTo(200)
                .isNotEqualTo(ReportFile.fileName(id.replace("y/z", "y/w")));
    }
}
