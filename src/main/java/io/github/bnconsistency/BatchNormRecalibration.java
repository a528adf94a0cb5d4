package io.github.bnconsistency;

import io.github.bnconsistency.internal.diagnosis.Remedies;
import io.github.bnconsistency.internal.engine.Models;
import io.github.bnconsistency.internal.engine.Recalibrator;
import io.github.bnconsistency.probe.ProbeData;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * The fix: sets every BatchNormalization layer's moving mean and variance to the statistics the moving average
 * would converge to on the given data (the unweighted average over mini-batches of the training-path batch mean
 * and biased batch variance), in the layer's own storage and data type. One training-path pass over the data
 * serves every layer, because training-path inputs do not depend on moving statistics. Nothing else in the model
 * changes: weights, gamma/beta, updater state and counters stay as they are.
 *
 * <pre>{@code
 * Recalibration<MultiLayerNetwork> fixed = BatchNormRecalibration.recalibratedCopy(model, trainingIterator);
 * assertThat(fixed.model()).inferenceMatchesTraining(trainingIterator, 1e-4);
 * }</pre>
 *
 * Use representative data in the batch size you train with. Frozen layers are left alone unless asked, with the
 * options taking {@link ProbeData}:
 * {@code recalibrate(model, ProbeData.of(iterator), RecalibrationOptions.defaults().includingFrozenLayers())}.
 */
public final class BatchNormRecalibration {

    private BatchNormRecalibration() {}

    /**
     * Recalibrates {@code model} in place.
     *
     * @param <M> the model type
     * @param model the model to recalibrate; its moving statistics are overwritten
     * @param data the probe data
     * @param options which layers to recalibrate, the training batch size and the tolerance the reports judge with
     * @return the recalibrated model with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibrate(
            M model, ProbeData data, RecalibrationOptions options) {
        if (options == null) {
            throw new IllegalArgumentException(
                    "The recalibration options are null: use RecalibrationOptions.defaults().");
        }
        Recalibrator.Result result = Recalibrator.recalibrate(
                model, data, options.includeFrozenLayers(), options.layerTolerance(), options.trainingBatchSize());
        return new Recalibration<>(
                model,
                Remedies.decided(result.before()),
                Remedies.decided(result.after()),
                result.recalibrated(),
                result.skipped());
    }

    /**
     * Recalibrates {@code model} in place, unfrozen layers only.
     *
     * @param <M> the model type
     * @param model the model to recalibrate; its moving statistics are overwritten
     * @param data the probe data
     * @return the recalibrated model with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibrate(M model, ProbeData data) {
        return recalibrate(model, data, RecalibrationOptions.defaults());
    }

    /**
     * Recalibrates {@code model} in place on every batch of the iterator (consumed once).
     *
     * @param <M> the model type
     * @param model the model to recalibrate; its moving statistics are overwritten
     * @param data the iterator whose every mini-batch is read, consumed once
     * @return the recalibrated model with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibrate(M model, DataSetIterator data) {
        return recalibrate(model, ProbeData.of(data));
    }

    /**
     * Recalibrates {@code model} in place on one batch.
     *
     * @param <M> the model type
     * @param model the model to recalibrate; its moving statistics are overwritten
     * @param data one mini-batch with labels
     * @return the recalibrated model with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibrate(M model, DataSet data) {
        return recalibrate(model, ProbeData.of(data));
    }

    /**
     * Recalibrates {@code model} in place on one batch of features.
     *
     * @param <M> the model type
     * @param model the model to recalibrate; its moving statistics are overwritten
     * @param features the features of one mini-batch, for a model with one input
     * @return the recalibrated model with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibrate(M model, INDArray features) {
        return recalibrate(model, ProbeData.of(features));
    }

    /**
     * Recalibrates a graph in place on one multi-input batch.
     *
     * @param <M> the model type
     * @param model the model to recalibrate; its moving statistics are overwritten
     * @param data one mini-batch for a graph with one or more inputs
     * @return the recalibrated model with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibrate(M model, MultiDataSet data) {
        return recalibrate(model, ProbeData.of(data));
    }

    /**
     * Recalibrates a graph in place on every batch of the iterator (consumed once).
     *
     * @param <M> the model type
     * @param model the model to recalibrate; its moving statistics are overwritten
     * @param data the iterator whose every mini-batch is read, consumed once
     * @return the recalibrated model with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibrate(M model, MultiDataSetIterator data) {
        return recalibrate(model, ProbeData.of(data));
    }

    /**
     * Recalibrates a copy of {@code model} (returned in the result); the original stays untouched.
     *
     * @param <M> the model type
     * @param model the model to recalibrate; its moving statistics are overwritten
     * @param data the probe data
     * @param options which layers to recalibrate, the training batch size and the tolerance the reports judge with
     * @return the recalibrated copy with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibratedCopy(
            M model, ProbeData data, RecalibrationOptions options) {
        return recalibrate(Models.copyOf(model), data, options);
    }

    /**
     * Recalibrates a copy of {@code model}, unfrozen layers only.
     *
     * @param <M> the model type
     * @param model the model to recalibrate a copy of; it stays untouched
     * @param data the probe data
     * @return the recalibrated copy with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibratedCopy(M model, ProbeData data) {
        return recalibratedCopy(model, data, RecalibrationOptions.defaults());
    }

    /**
     * Recalibrates a copy of {@code model} on every batch of the iterator (consumed once).
     *
     * @param <M> the model type
     * @param model the model to recalibrate a copy of; it stays untouched
     * @param data the iterator whose every mini-batch is read, consumed once
     * @return the recalibrated copy with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibratedCopy(M model, DataSetIterator data) {
        return recalibratedCopy(model, ProbeData.of(data));
    }

    /**
     * Recalibrates a copy of {@code model} on one batch.
     *
     * @param <M> the model type
     * @param model the model to recalibrate a copy of; it stays untouched
     * @param data one mini-batch with labels
     * @return the recalibrated copy with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibratedCopy(M model, DataSet data) {
        return recalibratedCopy(model, ProbeData.of(data));
    }

    /**
     * Recalibrates a copy of {@code model} on one batch of features.
     *
     * @param <M> the model type
     * @param model the model to recalibrate a copy of; it stays untouched
     * @param features the features of one mini-batch, for a model with one input
     * @return the recalibrated copy with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibratedCopy(M model, INDArray features) {
        return recalibratedCopy(model, ProbeData.of(features));
    }

    /**
     * Recalibrates a copy of a graph on one multi-input batch.
     *
     * @param <M> the model type
     * @param model the model to recalibrate a copy of; it stays untouched
     * @param data one mini-batch for a graph with one or more inputs
     * @return the recalibrated copy with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibratedCopy(M model, MultiDataSet data) {
        return recalibratedCopy(model, ProbeData.of(data));
    }

    /**
     * Recalibrates a copy of a graph on every batch of the iterator (consumed once).
     *
     * @param <M> the model type
     * @param model the model to recalibrate a copy of; it stays untouched
     * @param data the iterator whose every mini-batch is read, consumed once
     * @return the recalibrated copy with the reports before and after and the layers written or skipped
     */
    public static <M extends Model> Recalibration<M> recalibratedCopy(M model, MultiDataSetIterator data) {
        return recalibratedCopy(model, ProbeData.of(data));
    }
}
