package io.github.bnconsistency.docs;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * README's Maven set-up, tested as a user meets it: a project made of exactly README's {@code pom.xml} and
 * {@code .mvn/maven.config} blocks and its quick start test, built by a Maven of its own with the library's jar as a
 * dependency. Surefire must report that one test run (a set-up that compiles but runs 0 tests is the failure this
 * catches: Maven 3.8's default surefire does exactly that).
 *
 * <p>Runs only in the {@code user-project} profile, after {@code mvn package}: {@code mvn -Puser-project test}.
 * The library is installed into a local repository of the test's own under {@code target/user-project}; the
 * developer's {@code ~/.m2/repository} serves as a read-only cache of DL4J and the plugins (nothing is written there),
 * Maven Central as the fallback.
 */
@Tag("user-project")
class ReadmeUserProjectTest {

    private static final Pattern BLOCK = Pattern.compile("<!-- user-project: (\\S+) -->\\n```\\w*\\n(.*?)\\n```\\n",
            Pattern.DOTALL);

    @Test
    void readme_maven_setup_runs_the_quick_start_test() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Path work = Path.of(System.getProperty("user.project.work", "target/user-project")).toAbsolutePath();
        Path project = work.resolve("project");
        Path repository = work.resolve("repository");
        deleteRecursively(project);
        Files.createDirectories(project.resolve(".mvn"));

        List<String> files = new ArrayList<>();
        Matcher block = BLOCK.matcher(readme);
        while (block.find()) {
            files.add(block.group(1));
            String text = block.group(2) + "\n";
            if (block.group(1).equals("pom.xml")) {
                text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                        + "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n"
                        + "<modelVersion>4.0.0</modelVersion>\n"
                        + "<groupId>example</groupId>\n<artifactId>readme-user-project</artifactId>\n<version>1</version>\n"
                        + text + "</project>\n";
            }
            Files.writeString(project.resolve(block.group(1)), text);
        }
        assertThat(files).as("README's user-project blocks").containsExactly("pom.xml", ".mvn/maven.config");
        String pom = Files.readString(project.resolve("pom.xml"));
        String version = System.getProperty("library.version");
        assertThat(pom).as("README's pom.xml names the library's version")
                .contains("<artifactId>batchnorm-consistency</artifactId>\n    <version>" + version + "</version>");

        String quickStart = readme.substring(readme.indexOf("## Quick start"));
        int start = quickStart.indexOf("```java\n") + "```java\n".length();
        quickStart = quickStart.substring(start, quickStart.indexOf("\n```", start) + 1);
        Path test = project.resolve("src/test/java/QuickStartTest.java");
        Files.createDirectories(test.getParent());
        Files.writeString(test, quickStart);

        Path settings = work.resolve("settings.xml");
        Files.writeString(settings, settings(repository));
        String jar = System.getProperty("library.jar");
        assertThat(jar).as("-Dlibrary.jar (the user-project profile sets it)").isNotNull();
        assertThat(Path.of(jar)).as("the library's jar: run mvn package first").exists();

        // the library as a user's repository would hold it: its jar and its pom
        run(work, work.resolve("install.log"), "-s", settings.toString(),
                "org.apache.maven.plugins:maven-install-plugin:3.1.3:install-file",
                "-Dfile=" + jar, "-DpomFile=" + Path.of("pom.xml").toAbsolutePath());
        String log = run(project, work.resolve("build.log"), "-s", settings.toString(), "test");

        assertThat(log).contains("Tests run: 1, Failures: 0, Errors: 0, Skipped: 0").contains("BUILD SUCCESS");
        assertThat(project.resolve("target/surefire-reports/TEST-QuickStartTest.xml")).content()
                .contains("tests=\"1\"").contains("failures=\"0\"").contains("errors=\"0\"");
    }

    /**
     * A local repository of the test's own; the developer's one read as a remote (releases only, no checksums kept
     * there), so that DL4J is not downloaded again and nothing of this test lands in it.
     */
    private static String settings(Path repository) {
        Path cache = Path.of(System.getProperty("maven.repo.local",
                System.getProperty("user.home") + "/.m2/repository")).toAbsolutePath();
        String remote = "<releases><enabled>true</enabled><checksumPolicy>ignore</checksumPolicy></releases>"
                + "<snapshots><enabled>false</enabled></snapshots>";
        return "<settings>\n<localRepository>" + repository + "</localRepository>\n"
                + "<profiles><profile><id>cache</id>\n"
                + "<repositories><repository><id>local-cache</id><url>" + cache.toUri() + "</url>" + remote
                + "</repository></repositories>\n"
                + "<pluginRepositories><pluginRepository><id>local-cache</id><url>" + cache.toUri() + "</url>" + remote
                + "</pluginRepository></pluginRepositories>\n"
                + "</profile></profiles>\n<activeProfiles><activeProfile>cache</activeProfile></activeProfiles>\n"
                + "</settings>\n";
    }

    /** Runs Maven in {@code directory}; returns its output (also kept in {@code logFile}) after checking it passed. */
    private static String run(Path directory, Path logFile, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(System.getProperty("maven.executable", "mvn"), "-B", "-ntp"));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true).redirectOutput(logFile.toFile());
        builder.environment().remove("OMP_NUM_THREADS"); // README's surefire configuration has to set it
        builder.environment().remove("MAVEN_ARGS");
        Process maven = builder.start();
        boolean done = maven.waitFor(10, TimeUnit.MINUTES);
        if (!done) {
            maven.destroyForcibly();
        }
        String log = Files.readString(logFile);
        assertThat(done && maven.exitValue() == 0).as("%s in %s passed; its output:%n%s", command, directory, log)
                .isTrue();
        return log;
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var paths = Files.walk(path)) {
            paths.sorted((a, b) -> b.compareTo(a)).map(Path::toFile).forEach(File::delete);
        }
    }
}
