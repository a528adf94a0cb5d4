package io.github.bnconsistency.guarantees;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.InspectionOptions;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.report.ConsistencyReport;
import io.github.bnconsistency.report.JsonReport;
import io.github.bnconsistency.report.LayerFinding;
import io.github.bnconsistency.report.TextReport;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.datasets.iterator.ExistingDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DL4J's forward passes leave arrays off-heap that only a collection frees. A check over many batches collects when
 * off-heap memory has grown (64 MB since it began), says so in the probe summary (text, JSON), and does not when told
 * not to; the figures are the same either way.
 *
 * <p>How much a model's own passes grow resident memory depends on what the JVM freed before (the allocator reuses
 * it: in a long test run a large CNN's check may not grow it at all) and on the DL4J release, so the growth here is
 * made certain: the probe iterator allocates and keeps 96 MB off-heap with each batch (above glibc's largest mmap
 * threshold, so always fresh pages), as a user's data pipeline may.
 */
class GarbageCollectionTest {

    private static final long BALLAST_FLOATS = 24L << 20; // 96 MB: 576 MB over the 6 batches of a read

    private final List<INDArray> ballast = new ArrayList<>();

    /**
     * Frees what earlier tests in this JVM left first, until it is freed: after a collection, the heap in use and
     * committed and resident memory stop falling. Logged at each pass of the check in a full test run: the JVM held
     * 4.7 GB, its heap 1.5 GB, mostly ND4J's deallocator backlog (1.4 million references to arrays already
     * collected, each with its id string, waiting in a map for the deallocator's thread to free their off-heap
     * memory). The backlog drained during the check: each collection it made found another 60-210 MB of heap free
     * and the JVM uncommitted it, so resident memory fell by more than a batch's ballast raised it, and a check could
     * rightly see no growth.
     */
    @BeforeEach
    void freeEarlierTestsMemory() throws InterruptedException {
        Runtime runtime = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        long committed = Long.MAX_VALUE;
        long resident = Long.MAX_VALUE;
        for (int i = 0; i < 40; i++) {
            System.gc();
            Thread.sleep(200); // the cleaner and ND4J's deallocator run on their own threads
            long nowCommitted = runtime.totalMemory();
            long nowUsed = nowCommitted - runtime.freeMemory();
            long nowResident = Pointer.physicalBytes();
            boolean settled =
                    nowUsed > used - (4L << 20) && nowCommitted >= committed && nowResident > resident - (8L << 20);
            used = nowUsed;
            committed = nowCommitted;
            resident = nowResident;
            if (settled) {
                break;
            }
        }
    }

    @AfterEach
    void dropBallast() {
        ballast.clear();
        System.gc();
    }

    private static MultiLayerNetwork dense() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3)
                .list()
                .layer(new DenseLayer.Builder()
                        .nIn(6)
                        .nOut(8)
                        .activation(Activation.RELU)
                        .build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nOut(3)
                        .activation(Activation.SOFTMAX)
                        .build())
                .build());
        net.init();
        return net;
    }

    private static List<DataSet> batches() {
        Nd4j.getRandom().setSeed(11);
        List<DataSet> batches = new ArrayList<>();
        for (int b = 0; b < 6; b++) {
            batches.add(new DataSet(Nd4j.rand(DataType.FLOAT, 16, 6), Nd4j.zeros(DataType.FLOAT, 16, 3)));
        }
        return batches;
    }

    /** The batches, each handed out with 96 MB of fresh off-heap memory kept until the test ends. */
    private static final class BallastIterator extends ExistingDataSetIterator {
        private final List<INDArray> kept;

        BallastIterator(List<DataSet> batches, List<INDArray> kept) {
            super(batches);
            this.kept = kept;
        }

        @Override
        public DataSet next() {
            kept.add(Nd4j.zeros(DataType.FLOAT, BALLAST_FLOATS));
            return super.next();
        }
    }

    @Test
    void a_check_whose_off_heap_memory_grows_collects_and_says_so_unless_told_not_to() {
        MultiLayerNetwork net = dense();
        List<DataSet> batches = batches();

        ConsistencyReport collecting = BatchNormInspector.inspect(
                net, ProbeData.of(new BallastIterator(batches, ballast)), InspectionOptions.defaults());
        ballast.clear();
        System.gc();
        ConsistencyReport not = BatchNormInspector.inspect(
                net,
                ProbeData.of(new BallastIterator(batches, ballast)),
                InspectionOptions.defaults().withoutGarbageCollection());

        assertThat(collecting.probe().garbageCollections()).isPositive();
        assertThat(TextReport.render(collecting))
                .contains(collecting.probe().garbageCollections() + " garbage collection")
                .contains("InspectionOptions.withoutGarbageCollection()");
        assertThat(JsonReport.parse(JsonReport.render(collecting)).probe().garbageCollections())
                .isEqualTo(collecting.probe().garbageCollections());
        assertThat(not.probe().garbageCollections()).isZero();
        assertThat(TextReport.render(not)).doesNotContain("garbage collection");
        for (int s = 0; s < collecting.layers().size(); s++) {
            LayerFinding a = collecting.layers().get(s);
            LayerFinding b = not.layers().get(s);
            assertThat(a.maxDivergence()).isEqualTo(b.maxDivergence());
            assertThat(a.maxInferenceInputDrift()).isEqualTo(b.maxInferenceInputDrift());
        }
    }
}
