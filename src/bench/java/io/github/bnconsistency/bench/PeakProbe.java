package io.github.bnconsistency.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Child JVM of the peak-memory figure: builds zoo ResNet50 (3x224x224, 1000 classes) and one batch of 16, then
 * makes {@code calls} calls of one kind, nothing else: {@code assert} is the assertion as a test calls it
 * ({@link UserCall}, the failure's message read), {@code passes} is {@code output(false, x)} then {@code
 * output(true, x)}, the two forward passes the check needs. No warm-up and no collection: the process's peak
 * resident memory ({@code VmHWM}, monotonic per process, hence a fresh JVM per measurement) is what the calls
 * leave it at, as in a test. Prints one line of {@code key=value}.
 *
 * <pre>java -Xmx2g -cp ... io.github.bnconsistency.bench.PeakProbe assert 2</pre>
 */
public final class PeakProbe {

    static final String PREFIX = "peak-probe:";

    private PeakProbe() {}

    public static void main(String[] args) throws IOException {
        String mode = args[0];
        int calls = Integer.parseInt(args[1]);
        if (!mode.equals("assert") && !mode.equals("passes")) {
            throw new IllegalArgumentException("mode: assert or passes, not " + mode);
        }
        ComputationGraph model = BenchModels.zooResnet50(42);
        DataSet data = BenchModels.zooBatch(7);
        INDArray x = data.getFeatures();
        long before = MemoryProbe.kilobytes("VmHWM");
        int failures = 0;
        long messageChars = 0;
        long start = System.nanoTime();
        for (int c = 0; c < calls; c++) {
            if (mode.equals("assert")) {
                String message = UserCall.inferenceMatchesTraining(model, data);
                if (message != null) {
                    failures++;
                    messageChars += message.length();
                }
            } else {
                model.output(false, x);
                model.output(true, x);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long peakHeap = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peakHeap += pool.getPeakUsage().getUsed();
            }
        }
        System.out.println(PREFIX + " mode=" + mode + " calls=" + calls + " peak_rss_kb="
                + MemoryProbe.kilobytes("VmHWM") + " peak_rss_before_calls_kb=" + before + " peak_heap_kb="
                + peakHeap / 1024 + " nd4j_physical_kb=" + Pointer.physicalBytes() / 1024
                + " javacpp_max_bytes_mb=" + Pointer.maxBytes() / (1 << 20)
                + " javacpp_max_physical_mb=" + Pointer.maxPhysicalBytes() / (1 << 20)
                + (mode.equals("assert") ? " failed=" + failures + " message_chars=" + messageChars : "")
                + " seconds=" + String.format(Locale.ROOT, "%.2f", seconds) + " cpu_seconds="
                + String.format(Locale.ROOT, "%.1f", MemoryProbe.cpuSeconds()));
    }
}
