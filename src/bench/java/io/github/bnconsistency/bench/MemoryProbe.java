package io.github.bnconsistency.bench;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.report.ConsistencyReport;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Child JVM of the memory figure: builds zoo ResNet50, runs two forward passes of each kind (so that DL4J's
 * workspaces exist, as in a model that has been used), then one full check on {@code N} streamed batches of 12
 * images (3x96x96), and prints the process's peak resident memory ({@code VmHWM}, monotonic per process, hence a
 * fresh JVM per measurement) plus the peak heap, ND4J's off-heap view and the process's CPU time, as {@code
 * key=value} on one line. With {@code passes}, instead of the check, the two forward passes alone
 * ({@code output(x, false)}, {@code output(x, true)}) on the same batches, collecting garbage as the check's default
 * policy does (before a pass once off-heap memory has grown 64 MB): how flat DL4J's own passes stay, the baseline of
 * the check's growth.
 *
 * <pre>java -Xmx2g -cp ... io.github.bnconsistency.bench.MemoryProbe 20 [passes]</pre>
 */
public final class MemoryProbe {

    static final String PREFIX = "memory-probe:";

    private MemoryProbe() {}

    public static void main(String[] args) throws IOException {
        int batches = Integer.parseInt(args[0]);
        boolean passes = args.length > 1 && args[1].equals("passes");
        ComputationGraph model = BenchModels.resnet50(42);
        // A model in use: DL4J sizes its workspaces on the first passes and allocates them on the next ones, a one-time
        // cost of any forward pass that has nothing to do with how much probe data the check streams through.
        INDArray warmup = BenchModels.resnetBatch(1).getFeatures();
        for (int i = 0; i < 2; i++) {
            model.output(false, warmup);
            model.output(true, warmup);
        }
        System.gc(); // and the check starts from a collected heap, whatever the warm-up left for the collector
        long before = kilobytes("VmHWM");
        long start = System.nanoTime();
        if (passes) {
            twoPasses(model, batches);
        } else {
            ConsistencyReport report =
                    BatchNormInspector.inspect(model, BenchModels.streamed(batches, 1000, BenchModels::resnetBatch));
            if (report.probe().batches() != batches) {
                throw new IllegalStateException("checked " + report.probe().batches() + " batches, not " + batches);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println(PREFIX + " mode=" + (passes ? "passes" : "check") + " batches=" + batches + " peak_rss_kb="
                + kilobytes("VmHWM")
                + " peak_rss_before_check_kb=" + before + " peak_heap_kb=" + peakHeap / 1024
                + " nd4j_physical_kb=" + Pointer.physicalBytes() / 1024
                + " check_seconds=" + String.format(java.util.Locale.ROOT, "%.2f", seconds) + " cpu_seconds="
                + String.format(java.util.Locale.ROOT, "%.1f", cpuSeconds()));
    }

    /** The two passes per batch, each after the check's garbage policy (64 MB of growth since the start). */
    private static void twoPasses(ComputationGraph model, int batches) {
        org.nd4j.linalg.dataset.api.iterator.DataSetIterator data =
                BenchModels.streamed(batches, 1000, BenchModels::resnetBatch);
        long start = Pointer.physicalBytes();
        while (data.hasNext()) {
            INDArray x = data.next().getFeatures();
            for (boolean training : new boolean[] {false, true}) {
                if (Pointer.physicalBytes() > start + (64L << 20)) {
                    System.gc();
                }
                model.output(training, x);
            }
        }
    }

    /** This process's CPU time so far, every thread (what the benchmark's estimate of a lone run takes). */
    static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e9;
    }

    /** A {@code /proc/self/status} field in kB (Linux). */
    static long kilobytes(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status (Linux only)");
    }
}
