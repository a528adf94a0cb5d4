package io.github.bnconsistency.probe;

import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.AsyncDataSetIterator;
import org.nd4j.linalg.dataset.AsyncMultiDataSetIterator;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * The data a check runs on: features alone, a {@link DataSet}, a {@link DataSetIterator}, or for graphs with
 * several inputs a {@link MultiDataSet} / {@link MultiDataSetIterator}. Each mini-batch is used once, as it
 * comes, so the statistics see the same batches (and batch sizes) as your training would: use the batch size
 * you train with.
 *
 * <p>An iterator is consumed once, so a non-resettable iterator works; one that supports reset is reset
 * first when it is already exhausted (as DL4J's {@code fit} does) and reset again afterwards. Its
 * {@code DataSetPreProcessor}, if any, applies as the iterator applies it (once per batch, as in training). An
 * asynchronous iterator ({@code AsyncDataSetIterator}) is shut down afterwards. An exception from the iterator
 * propagates as an {@code IllegalStateException} naming the batch, with the original as its cause.
 *
 * <pre>{@code
 * ProbeData probe = ProbeData.of(new ListDataSetIterator<>(validation.asList(), 12));
 * ConsistencyReport report = BatchNormInspector.inspect(model, probe);
 * }</pre>
 */
public final class ProbeData {

    private final String description;
    private final boolean replayable;
    private final Source source;

    private interface Source {
        void forEach(Consumer<ProbeBatch> action);
    }

    private ProbeData(String description, boolean replayable, Source source) {
        this.description = description;
        this.replayable = replayable;
        this.source = source;
    }

    /**
     * Features of one mini-batch, for a model with one input.
     *
     * @param features the features, {@code [minibatch, ...]}
     * @return the probe data
     */
    public static ProbeData of(INDArray features) {
        requireNonNull(features, "features");
        return new ProbeData("INDArray", true, action -> action.accept(batch(0, new INDArray[] {features}, null)));
    }

    /**
     * One mini-batch with labels (labels enable the accuracy figures).
     *
     * @param dataSet the mini-batch
     * @return the probe data
     */
    public static ProbeData of(DataSet dataSet) {
        requireNonNull(dataSet, "DataSet");
        return new ProbeData("DataSet", true, action -> action.accept(fromDataSet(0, dataSet)));
    }

    /**
     * Every mini-batch the iterator yields, consumed once. An asynchronous (prefetching) iterator is shut down
     * afterwards instead of reset, so that no prefetch thread outlives the check.
     *
     * @param iterator the iterator, read once
     * @return the probe data
     */
    public static ProbeData of(DataSetIterator iterator) {
        requireNonNull(iterator, "DataSetIterator");
        String description = "DataSetIterator (" + typeName(iterator) + ")";
        Runnable after = iterator instanceof AsyncDataSetIterator async
                ? async::shutdown
                : iterator.resetSupported() ? iterator::reset : () -> {};
        boolean replayable = iterator.resetSupported() && !(iterator instanceof AsyncDataSetIterator);
        return new ProbeData(
                description,
                replayable,
                action -> consume(
                        description,
                        iterator,
                        iterator.resetSupported(),
                        iterator::reset,
                        after,
                        (index, ds) -> action.accept(fromDataSet(index, ds))));
    }

    /**
     * One mini-batch for a graph with one or more inputs.
     *
     * @param multiDataSet the mini-batch
     * @return the probe data
     */
    public static ProbeData of(MultiDataSet multiDataSet) {
        requireNonNull(multiDataSet, "MultiDataSet");
        return new ProbeData("MultiDataSet", true, action -> action.accept(fromMultiDataSet(0, multiDataSet)));
    }

    /**
     * Every mini-batch the iterator yields, consumed once; an asynchronous one is shut down afterwards.
     *
     * @param iterator the iterator, read once
     * @return the probe data
     */
    public static ProbeData of(MultiDataSetIterator iterator) {
        requireNonNull(iterator, "MultiDataSetIterator");
        String description = "MultiDataSetIterator (" + typeName(iterator) + ")";
        Runnable after = iterator instanceof AsyncMultiDataSetIterator async
                ? async::shutdown
                : iterator.resetSupported() ? iterator::reset : () -> {};
        boolean replayable = iterator.resetSupported() && !(iterator instanceof AsyncMultiDataSetIterator);
        return new ProbeData(
                description,
                replayable,
                action -> consume(
                        description,
                        iterator,
                        iterator.resetSupported(),
                        iterator::reset,
                        after,
                        (index, mds) -> action.accept(fromMultiDataSet(index, mds))));
    }

    /**
     * Probe data from any accepted type, chosen at run time (for frameworks that find the data reflectively).
     *
     * @throws IllegalArgumentException when {@code data} is null or of another type
     * @param data one of the {@link #acceptedTypes() accepted types}
     * @return the probe data
     */
    public static ProbeData from(Object data) {
        for (Accepted<?> accepted : ACCEPTED) {
            if (accepted.type().isInstance(data)) {
                return accepted.convert(data);
            }
        }
        throw new IllegalArgumentException("Probe data must be one of " + acceptedTypes() + ", but was "
                + (data == null ? "null" : data.getClass().getName()) + ".");
    }

    /** One accepted type and how it becomes probe data. */
    private record Accepted<T>(Class<T> type, java.util.function.Function<T, ProbeData> factory) {
        ProbeData convert(Object data) {
            return factory.apply(type.cast(data));
        }
    }

    /** The one list of accepted types, in the order {@link #from} tries them: add a new probe type here. */
    private static final List<Accepted<?>> ACCEPTED = List.of(
            new Accepted<>(ProbeData.class, probe -> probe),
            new Accepted<>(INDArray.class, ProbeData::of),
            new Accepted<>(DataSet.class, ProbeData::of),
            new Accepted<>(DataSetIterator.class, ProbeData::of),
            new Accepted<>(MultiDataSet.class, ProbeData::of),
            new Accepted<>(MultiDataSetIterator.class, ProbeData::of));

    /**
     * The types {@link #from} accepts (for frameworks that check a declared type before they have a value).
     *
     * @return the accepted types, {@code ProbeData} first, in the order {@link #from} tries them
     */
    public static List<Class<?>> acceptedClasses() {
        return ACCEPTED.stream().<Class<?>>map(Accepted::type).toList();
    }

    /**
     * The accepted types, for messages, e.g. {@code INDArray, DataSet, ... or ProbeData}.
     *
     * @return their simple names, for messages
     */
    public static String acceptedTypes() {
        List<String> names = new java.util.ArrayList<>(
                ACCEPTED.stream().skip(1).map(a -> a.type().getSimpleName()).toList());
        return String.join(", ", names) + " or ProbeData";
    }

    /**
     * Hands each mini-batch to {@code action}, in order. Consumes an iterator source; calling it twice on
     * one non-resettable iterator yields nothing the second time.
     *
     * @param action receives each mini-batch
     */
    public void forEachBatch(Consumer<ProbeBatch> action) {
        source.forEach(action);
    }

    /**
     * Whether {@link #forEachBatch} can run again and yield batches again: one batch, or an iterator that supports
     * reset and is not asynchronous (which is shut down after it is read). A reshuffling iterator yields other
     * batches of the same data, which serve statistics that average over batches as well.
     *
     * @return true when the data can be read again
     */
    public boolean replayable() {
        return replayable;
    }

    /**
     * What the data came from, e.g. {@code DataSetIterator (ListDataSetIterator)}.
     *
     * @return the description
     */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "ProbeData[" + description + "]";
    }

    /** The simple name, or for an anonymous class the full one (e.g. {@code com.example.DataTest$1}). */
    private static String typeName(Object iterator) {
        String simple = iterator.getClass().getSimpleName();
        return simple.isEmpty() ? iterator.getClass().getName() : simple;
    }

    private interface IndexedConsumer<T> {
        void accept(int index, T item);
    }

    /**
     * Hands each element to {@code action}; {@code after} runs however it ends (reset, or shutdown of an
     * asynchronous iterator). A failure of the iterator itself is reported with the batch it was reading.
     */
    private static <T> void consume(
            String description,
            Iterator<T> iterator,
            boolean resettable,
            Runnable reset,
            Runnable after,
            IndexedConsumer<T> action) {
        try {
            if (resettable && !read(description, 0, iterator::hasNext)) {
                reset.run();
            }
            int index = 0;
            while (read(description, index, iterator::hasNext)) {
                T next = read(description, index, iterator::next);
                if (next == null) {
                    throw new IllegalArgumentException(
                            "The probe " + description + " returned null for batch " + index + ".");
                }
                action.accept(index++, next);
            }
        } finally {
            after.run();
        }
    }

    private static <T> T read(String description, int index, java.util.function.Supplier<T> step) {
        try {
            return step.get();
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "Reading probe batch " + index + " from the " + description + " failed: " + e.getMessage()
                            + " (the model was not changed)",
                    e);
        }
    }

    private static ProbeBatch fromDataSet(int index, DataSet ds) {
        if (ds.getFeaturesMaskArray() != null || ds.getLabelsMaskArray() != null) {
            throw maskNotSupported(index);
        }
        INDArray labels = ds.getLabels();
        return batch(index, new INDArray[] {ds.getFeatures()}, labels == null ? null : new INDArray[] {labels});
    }

    private static ProbeBatch fromMultiDataSet(int index, MultiDataSet mds) {
        if (mds.hasMaskArrays()) {
            throw maskNotSupported(index);
        }
        INDArray[] labels = mds.getLabels();
        boolean hasLabels = labels != null && labels.length > 0;
        if (hasLabels) {
            for (INDArray l : labels) {
                hasLabels &= l != null;
            }
        }
        return batch(index, mds.getFeatures(), hasLabels ? labels : null);
    }

    private static ProbeBatch batch(int index, INDArray[] features, INDArray[] labels) {
        if (features == null || features.length == 0) {
            throw new IllegalArgumentException("Probe batch " + index + " has no features: pass the data the model "
                    + "takes as input (a DataSet or MultiDataSet with features set).");
        }
        for (int i = 0; i < features.length; i++) {
            if (features[i] == null) {
                throw new IllegalArgumentException("Probe batch " + index + " has no features for input " + i
                        + ": set the features of every input the model takes.");
            }
            if (features[i].rank() == 0 || features[i].size(0) == 0) {
                throw new IllegalArgumentException("Probe batch " + index + " has no examples (features shape "
                        + java.util.Arrays.toString(features[i].shape()) + "): nothing to compare.");
            }
        }
        return new ProbeBatch(index, features, labels);
    }

    private static IllegalArgumentException maskNotSupported(int index) {
        return new IllegalArgumentException("Probe batch " + index + " carries mask arrays. BatchNormalization "
                + "statistics are computed over every value, so masked (padded) data would distort them; "
                + "probe with unmasked data of fixed length.");
    }

    private static void requireNonNull(Object data, String what) {
        if (data == null) {
            throw new IllegalArgumentException("The probe " + what + " is null: pass the data to check the model on.");
        }
    }
}
