package io.github.bnconsistency.internal.engine;

/**
 * When a check collects garbage. The check keeps nothing of a batch once counted, but DL4J's forward passes leave
 * arrays off-heap that only a collection frees (about 40 MB a pass on ResNet50 at 96x96, batch 12, measured with
 * nothing else running), and a small heap rarely collects, so over many batches a check (and the two passes alone)
 * grow until JavaCPP's limit forces one. Collecting before a pass when off-heap memory has grown by more than
 * {@link #THRESHOLD} since the check began bounds the growth (before a pass, not a batch: a batch can take four
 * passes and more; ResNet50 on 20 batches of 12 still peaks 1.28-1.37x a 1-batch check, its two passes alone with
 * this policy 1.11-1.19x: the allocator keeps what it has grown to); a model too small to reach it never collects. On by
 * default, off with {@code InspectionOptions.withoutGarbageCollection()}; the report's probe summary counts the
 * collections.
 */
final class GarbagePolicy {

    static final long THRESHOLD = 64L << 20;

    private final boolean enabled;
    private final long start;
    private int collections;

    GarbagePolicy(boolean enabled) {
        this.enabled = enabled;
        this.start = enabled ? physicalBytes() : 0;
    }

    /** Before a forward pass: collects when off-heap memory has grown past the threshold. */
    void beforePass() {
        if (enabled && physicalBytes() > start + THRESHOLD) {
            System.gc();
            collections++;
        }
    }

    int collections() {
        return collections;
    }

    private static long physicalBytes() {
        // physicalBytes(), not physicalBytesInaccurate(long): the latter is missing from the javacpp of DL4J
        // 1.0.0-M1.1 (1.5.5) and 1.0.0-beta7 (1.5.3); once per batch, the exact reading costs nothing that shows
        return org.bytedeco.javacpp.Pointer.physicalBytes();
    }
}
