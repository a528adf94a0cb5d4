package io.github.bnconsistency.scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Prints the scenario study's table. Arguments: {@code full} (default) or {@code reduced}, optionally followed by
 * filters {@code arch=dense|cnn}, {@code batch=16}, {@code decay=0.99}, {@code lr=held|decayed}, {@code seed=1},
 * {@code it=576} (each may be repeated; a scenario is kept when it matches every kind of filter given).
 *
 * <pre>
 * mvn -o -q test-compile exec:exec@scenario-study                          # full set
 * mvn -o -q test-compile exec:exec@scenario-study -Dscenario.args=reduced
 * </pre>
 * Progress goes to stderr, the table to stdout. Run with {@code OMP_NUM_THREADS=1} (the exec execution sets it).
 */
public final class ScenarioStudyMain {

    private ScenarioStudyMain() {}

    public static void main(String[] args) {
        List<Scenario> scenarios = select(args);
        long start = System.nanoTime();
        List<ScenarioResult> results = new ArrayList<>();
        for (Scenario scenario : scenarios) {
            ScenarioResult result = ScenarioStudy.run(scenario);
            results.add(result);
            // ND4J's off-heap buffers are freed when their Java objects are collected: without it the process
            // grew past 8 GB resident over 40 scenarios at -Xmx2g
            System.gc();
            System.err.printf(
                    Locale.ROOT,
                    "[%d/%d] %s %s (%.1f s)%n",
                    results.size(),
                    scenarios.size(),
                    scenario.label(),
                    result.label(),
                    result.trainSeconds() + result.truthSeconds() + result.checkSeconds());
        }
        System.out.print(StudyTable.render(results));
        List<String> missed = VerdictTargets.violations(results);
        System.out.println(
                missed.isEmpty()
                        ? "Issue 12's targets (no miss, at most 1% false alarms, no 'train longer' on consistent models): met"
                        : "Issue 12's targets missed:\n  " + String.join("\n  ", missed));
        System.out.printf(
                Locale.ROOT,
                "Wall time: %.1f s for %d scenarios%n",
                (System.nanoTime() - start) / 1e9,
                scenarios.size());
    }

    private static List<Scenario> select(String[] args) {
        List<Scenario> scenarios =
                args.length > 0 && args[0].equals("reduced") ? ScenarioSets.reduced() : ScenarioSets.full();
        List<String> filters = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (i == 0 && (args[0].equals("reduced") || args[0].equals("full"))) {
                continue;
            }
            if (!args[i].contains("=")) {
                throw new IllegalArgumentException(
                        "unknown argument '" + args[i] + "': use full, reduced or key=value");
            }
            filters.add(args[i]);
        }
        return scenarios.stream().filter(s -> matches(s, filters)).toList();
    }

    /** Filters of one key are alternatives; different keys must all match. */
    private static boolean matches(Scenario s, List<String> filters) {
        java.util.Map<String, List<String>> byKey = new java.util.LinkedHashMap<>();
        for (String filter : filters) {
            String[] kv = filter.split("=", 2);
            byKey.computeIfAbsent(kv[0], k -> new ArrayList<>()).add(kv[1].toLowerCase(Locale.ROOT));
        }
        return byKey.entrySet().stream().allMatch(e -> e.getValue().contains(value(s, e.getKey())));
    }

    private static String value(Scenario s, String key) {
        return switch (key) {
            case "arch" -> s.architecture().name().toLowerCase(Locale.ROOT);
            case "batch" -> String.valueOf(s.batchSize());
            case "decay" -> String.valueOf(s.decay());
            case "lr" -> s.learningRate().name().toLowerCase(Locale.ROOT);
            case "seed" -> String.valueOf(s.seed());
            case "it" -> String.valueOf(s.iterations());
            default ->
                throw new IllegalArgumentException(
                        "unknown filter key '" + key + "': use arch, batch, decay, lr, seed or it");
        };
    }
}
