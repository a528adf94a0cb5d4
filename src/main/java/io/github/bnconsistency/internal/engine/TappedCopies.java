package io.github.bnconsistency.internal.engine;

import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The engine's tapped copies of users' models (see {@code tappedCopy} in the adapters), kept between checks of
 * the same, unchanged model: building one (a network of the model's configuration on its parameters) took 0.6 ms
 * of the small CNN's 12 ms check and of its 6 ms recalibration. A copy is handed out to one check at a time (taken
 * out, given back when the check ends), and only to a check of a model whose {@link Fingerprint} is still the
 * copy's: the same parameter memory, an equal configuration and the same layer objects. Models are held weakly,
 * and only the last few copies are kept. A copy holds its model's parameter memory, so it is let go as soon as its
 * model is collected (a {@link Cleaner} drops the entry, and the next collection frees the memory), not at the
 * next check: a test class's large model must not outlive it (seen: a check that watches resident memory grow saw
 * it fall instead, as a cached copy of an earlier test's model was dropped and freed during it).
 *
 * @param <T> the adapter's copy type
 */
final class TappedCopies<T> {

    /** Copies kept: one per model a test class typically checks in turn, each a few hundred objects. */
    static final int CAPACITY = 4;

    /**
     * What a tapped copy was built from. The copy shares the parameter buffer (so new parameter values, set in
     * place as {@code fit} and {@code setParams} do, need no new copy), bakes in a clone of the configuration (so
     * any configuration change needs one: compared without the iteration and epoch counts, which {@code fit}
     * advances) and wraps the layers found frozen (so a layer replaced, frozen for instance, needs one).
     *
     * @param address       the address of the model's parameter memory: by address, as a graph's {@code params()}
     *                      wraps it in a new buffer object each time; the copy holds that memory, so no other model's
     *                      parameters can be put at that address while the copy is kept
     * @param offset        the parameters' offset there
     * @param length        the parameters' length
     * @param configuration a clone of the model's configuration with the counts zeroed
     * @param layers        the model's layer objects, by identity, held weakly
     */
    record Fingerprint(
            long address, long offset, long length, Object configuration, List<WeakReference<Object>> layers) {

        static Fingerprint of(INDArray parameters, Object configuration, List<?> layers) {
            return new Fingerprint(
                    parameters.data().address(),
                    parameters.offset(),
                    parameters.length(),
                    configuration,
                    layers.stream().map(l -> new WeakReference<Object>(l)).toList());
        }

        boolean matches(Fingerprint other) {
            if (address != other.address
                    || offset != other.offset
                    || length != other.length
                    || layers.size() != other.layers.size()) {
                return false;
            }
            for (int i = 0; i < layers.size(); i++) {
                Object layer = layers.get(i).get();
                if (layer == null || layer != other.layers.get(i).get()) {
                    return false;
                }
            }
            return configuration.equals(other.configuration);
        }
    }

    private record Entry<T>(WeakReference<Object> model, Fingerprint fingerprint, T copy) {}

    /** One daemon thread for every cache, started with the first copy kept. */
    private static final Cleaner CLEANER = Cleaner.create();

    private final ArrayDeque<Entry<T>> entries = new ArrayDeque<>();
    /** Models the cleaner watches already (one registration each), held weakly. */
    private final List<WeakReference<Object>> watched = new ArrayList<>();

    private int builds;

    /** The kept copy of {@code model} if its fingerprint still matches (taken out), else a new one from {@code build}. */
    T take(Object model, Fingerprint now, Supplier<T> build) {
        synchronized (this) {
            for (Iterator<Entry<T>> it = entries.iterator(); it.hasNext(); ) {
                Entry<T> entry = it.next();
                Object kept = entry.model().get();
                if (kept == null) {
                    it.remove(); // the model is gone: so is the need for its copy
                } else if (kept == model) {
                    it.remove(); // either handed out now, or stale
                    if (entry.fingerprint().matches(now)) {
                        return entry.copy();
                    }
                }
            }
            builds++;
        }
        return build.get();
    }

    /** Keeps {@code copy} of {@code model}, built from {@code fingerprint}, for the next check of that model. */
    synchronized void giveBack(Object model, Fingerprint fingerprint, T copy) {
        entries.removeIf(e -> e.model().get() == null || e.model().get() == model);
        entries.addFirst(new Entry<>(new WeakReference<>(model), fingerprint, copy));
        while (entries.size() > CAPACITY) {
            entries.removeLast();
        }
        watched.removeIf(w -> w.get() == null);
        if (watched.stream().noneMatch(w -> w.get() == model)) {
            watched.add(new WeakReference<>(model));
            CLEANER.register(model, this::forgetCollected); // refers to this cache, never to the model
        }
    }

    /** Drops the entries of collected models (run by the cleaner once one is). */
    private synchronized void forgetCollected() {
        entries.removeIf(e -> e.model().get() == null);
        watched.removeIf(w -> w.get() == null);
    }

    /** How many copies are kept (for tests). */
    synchronized int kept() {
        return entries.size();
    }

    /** How many copies {@link #take} has had to build (for tests). */
    synchronized int builds() {
        return builds;
    }
}
