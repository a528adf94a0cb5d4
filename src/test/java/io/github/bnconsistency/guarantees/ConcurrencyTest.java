package io.github.bnconsistency.guarantees;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.JsonReport;
import io.github.bnconsistency.testing.GraphModels;
import io.github.bnconsistency.testing.StoryModels;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/** Deterministic reports, and the same reports whether checks run one after another or at the same time. */
class ConcurrencyTest {

    private static final DataSet IMAGES = StoryModels.storyData(101);

    private static List<Model> models;

    /** Four trained models with dropout (checks never change them, so the tests share them). */
    private static synchronized List<Model> models() {
        if (models != null) {
            return models;
        }
        models = new ArrayList<>();
        for (long seed = 1; seed <= 3; seed++) {
            MultiLayerNetwork net = StoryModels.cnn(0.99, seed, true);
            StoryModels.train(net, IMAGES, 2);
            models.add(net);
        }
        ComputationGraph graph = GraphModels.residualCnn(0.99, 4, true);
        graph.fit(IMAGES);
        models.add(graph);
        return models;
    }

    /** A check, made at one fixed instant: the time of the check is the only thing two checks may differ in. */
    private static ConsistencyReport check(Model model) {
        return BatchNormInspector.inspect(model, new ListDataSetIterator<>(IMAGES.asList(), 6))
                .withCreatedAt(Instant.EPOCH);
    }

    @Test
    void same_model_and_data_give_the_same_report_bit_for_bit() {
        Model model = models().get(0);

        String first = JsonReport.render(check(model));

        for (int i = 0; i < 3; i++) {
            assertThat(JsonReport.render(check(model))).isEqualTo(first);
        }
    }

    @Test
    void checks_of_different_models_in_parallel_give_the_serial_reports() throws Exception {
        List<Model> models = models();
        List<ConsistencyReport> serial =
                models.stream().map(ConcurrencyTest::check).toList();

        List<ConsistencyReport> parallel = runTogether(models.stream()
                .<Callable<ConsistencyReport>>map(m -> () -> check(m))
                .toList());

        assertThat(parallel).isEqualTo(serial);
    }

    @Test
    void one_model_checked_from_two_threads_at_once_gives_the_serial_report_twice() throws Exception {
        Model model = models().get(3);
        ConsistencyReport serial = check(model);

        List<ConsistencyReport> both = runTogether(List.of(() -> check(model), () -> check(model)));

        assertThat(both).containsExactly(serial, serial);
    }

    /** Starts every task at the same moment, on threads of their own. */
    private static <T> List<T> runTogether(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        CyclicBarrier start = new CyclicBarrier(tasks.size());
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }
}
