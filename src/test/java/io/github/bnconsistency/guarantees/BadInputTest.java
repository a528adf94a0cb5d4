package io.github.bnconsistency.guarantees;

import static io.github.bnconsistency.api.BatchNormAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.bnconsistency.BatchNormInspector;
import io.github.bnconsistency.BatchNormRecalibration;
import io.github.bnconsistency.lint.BatchNormLint;
import io.github.bnconsistency.probe.ProbeData;
import io.github.bnconsistency.testing.ModelSnapshot;
import io.github.bnconsistency.testing.OneShotIterators.OneShotDataSetIterator;
import io.github.bnconsistency.testing.StoryModels;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.KerasModelImport;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Bad input gets an error that names the problem and the fix, and leaves the model exactly as it was. */
class BadInputTest {

    private static final DataSet IMAGES = StoryModels.storyData(101);
    private static MultiLayerNetwork model;
    private static ModelSnapshot snapshot;

    @BeforeAll
    static void trainedModel() {
        model = StoryModels.storyCnn(0.99, 1);
        StoryModels.train(model, IMAGES, 2);
        snapshot = ModelSnapshot.of(model);
    }

    private static void assertUnchanged(Model m) {
        assertThat(ModelSnapshot.of(m)).isEqualTo(snapshot);
    }

    @Test
    void null_model() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(null, IMAGES))
                .withMessage("The model is null: pass the MultiLayerNetwork or ComputationGraph to check.");
        assertThatThrownBy(() -> assertThat((MultiLayerNetwork) null).inferenceMatchesTraining(IMAGES, 1e-3))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("The model to check is null: assertThat(...) got a null MultiLayerNetwork. "
                        + "Pass the trained, initialized model (after model.init() or a load)");
        assertThatThrownBy(() -> assertThat((ComputationGraph) null).hasConvergedBatchNormStatistics(IMAGES))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("got a null ComputationGraph");
        assertThatThrownBy(() -> assertThat((MultiLayerNetwork) null).passesBatchNormLint())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("got a null MultiLayerNetwork");
        assertThatThrownBy(() -> assertThat((MultiLayerNetwork) null).batchNormLayer("bn1"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("got a null MultiLayerNetwork");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormRecalibration.recalibrate((MultiLayerNetwork) null, IMAGES))
                .withMessage("The model is null: pass the MultiLayerNetwork or ComputationGraph to check.");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormRecalibration.recalibratedCopy((ComputationGraph) null, IMAGES))
                .withMessage("The model is null: pass the MultiLayerNetwork or ComputationGraph to check.");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormLint.check(null))
                .withMessage("The model is null: pass the MultiLayerNetwork or ComputationGraph to lint.");
    }

    /** Labels with another row count than the features are a data bug: refused before any pass, with the shapes. */
    @Test
    void labels_with_another_row_count_are_refused_with_the_shapes() {
        DataSet misCut = new DataSet(
                IMAGES.getFeatures(),
                IMAGES.getLabels()
                        .get(
                                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 10),
                                org.nd4j.linalg.indexing.NDArrayIndex.all()));
        String expected = "Probe batch 0 has labels of shape [10, 3], 10 rows, but 12 examples (features "
                + "[12, 3, 32, 32]), and the model gives one output row per example: the labels do not belong to "
                + "these features. Pass labels with one row per example";

        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(model, misCut))
                .withMessageStartingWith(expected);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> assertThat(model).inferenceMatchesTraining(misCut, 1e-3))
                .withMessageStartingWith(expected);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormRecalibration.recalibratedCopy(model, misCut))
                .withMessageStartingWith(expected);
        // the second batch of an iterator is named
        List<DataSet> batches = List.of(IMAGES, misCut);
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(
                        model, new org.deeplearning4j.datasets.iterator.ExistingDataSetIterator(batches)))
                .withMessageStartingWith("Probe batch 1 has labels of shape [10, 3]");
        assertUnchanged(model);
    }

    /**
     * Labels of another width are not refused (they may describe the output otherwise, e.g. class indices for a
     * sparse loss): the check runs, and says why it gives no accuracy.
     */
    @Test
    void labels_of_another_width_only_drop_the_accuracy_and_say_why() {
        DataSet classIndices = new DataSet(
                IMAGES.getFeatures(),
                Nd4j.argMax(IMAGES.getLabels(), 1).reshape(12, 1).castTo(DataType.FLOAT));

        assertThat(BatchNormInspector.inspect(model, classIndices).output().ignoredLabels())
                .contains("labels of shape [12, 1] do not match outputs of shape [12, 3], so no accuracy");
    }

    @Test
    void a_two_input_graph_given_one_features_array_is_told_to_pass_a_multi_data_set() {
        ComputationGraph twoInputs = io.github.bnconsistency.testing.GraphModels.twoInputsTwoOutputs(0.9, 1);
        org.nd4j.linalg.dataset.api.MultiDataSet both = io.github.bnconsistency.testing.GraphModels.twoInputBatch(8, 1);
        DataSet first = new DataSet(both.getFeatures(0), both.getLabels(0));

        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(twoInputs, first))
                .withMessageContaining("The ComputationGraph has 2 inputs "
                        + twoInputs.getConfiguration().getNetworkInputs() + " but probe batch 0 has 1 feature array ")
                .withMessageContaining("pass a MultiDataSet (or a MultiDataSetIterator) with one features array per "
                        + "network input");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> assertThat(twoInputs).inferenceMatchesTraining(first.getFeatures(), 1e-3))
                .withMessageContaining("pass a MultiDataSet");
    }

    @Test
    void model_whose_init_was_never_called() {
        MultiLayerNetwork network =
                new MultiLayerNetwork(model.getLayerWiseConfigurations().clone());
        ComputationGraph graph =
                new ComputationGraph(io.github.bnconsistency.testing.GraphModels.residualCnn(0.9, 1, false)
                        .getConfiguration()
                        .clone());

        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(network, IMAGES))
                .withMessage("The MultiLayerNetwork is not initialized: call model.init() (or load a trained model) "
                        + "before checking it.");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(graph, IMAGES))
                .withMessageStartingWith("The ComputationGraph is not initialized: call graph.init()");
    }

    /** Identical examples (say Nd4j.ones) give every channel batch variance 0: no basis to blame the model on. */
    @Test
    void identical_probe_examples_are_not_measured_rather_than_blamed() {
        MultiLayerNetwork dense = new MultiLayerNetwork(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .seed(4)
                .list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder()
                        .nIn(6)
                        .nOut(6)
                        .build())
                .layer(new org.deeplearning4j.nn.conf.layers.BatchNormalization.Builder()
                        .name("bn")
                        .build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder()
                        .nOut(2)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX)
                        .build())
                .setInputType(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(6))
                .build());
        dense.init();
        INDArray identical = Nd4j.ones(DataType.FLOAT, 8, 6);

        assertThat(BatchNormInspector.inspect(dense, identical)
                        .layer("bn")
                        .orElseThrow()
                        .unmeasured()
                        .orElseThrow())
                .startsWith("batch variance 0 in every channel: the probe examples are all alike");
        assertThatThrownBy(() -> assertThat(dense).hasConvergedBatchNormStatistics(identical))
                .hasMessageContaining("but 1 of 1 layers could not be measured on this data.")
                .hasMessageNotContaining("more iterations");
    }

    @Test
    void null_and_empty_data() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(model, (ProbeData) null))
                .withMessage("The probe data is null: pass the data to check the model on.");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(model, new OneShotDataSetIterator(List.of())))
                .withMessageContaining("yielded no batch: nothing to compare");
        assertThatIllegalArgumentException()
                .isThrownBy(() ->
                        BatchNormInspector.inspect(model, new DataSet(Nd4j.create(0, 3, 32, 32), Nd4j.create(0, 3))))
                .withMessage("Probe batch 0 has no examples (features shape [0, 3, 32, 32]): nothing to compare.");
        assertUnchanged(model);
    }

    @Test
    void channels_last_images_for_a_channels_first_model() {
        INDArray channelsLast = IMAGES.getFeatures().permute(0, 2, 3, 1).dup();

        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(model, channelsLast))
                .withMessageStartingWith("The MultiLayerNetwork could not run probe batch 0 (features [12, 32, 32, 3]) "
                        + "on the training path: layer 'conv1' (index 0, ConvolutionLayer, expects 3 channels in NCHW "
                        + "[minibatch, channels, height, width]) is the first to reject its input of shape [12, 32, 32, 3]; "
                        + "the data looks channels-last (NHWC): permute it with features.permute(0, 3, 1, 2).");
        assertUnchanged(model);
    }

    @Test
    void wrong_rank_and_wrong_channel_count() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(model, Nd4j.rand(DataType.FLOAT, 12, 3072)))
                .withMessageContaining("layer 'conv1' (index 0, ConvolutionLayer, expects 3 channels in NCHW")
                .withMessageContaining("input of shape [12, 3072]");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(model, Nd4j.rand(DataType.FLOAT, 12, 4, 32, 32)))
                .withMessageContaining("is the first to reject its input of shape [12, 4, 32, 32]");
        assertUnchanged(model);
    }

    @Test
    void wrong_spatial_size_is_rejected_by_a_later_layer_which_is_named() throws Exception {
        // Conv(3x3) -> BN -> ReLU -> Conv(3x3) -> Flatten -> Dense(36 inputs): only 10x10 images fit
        MultiLayerNetwork keras = KerasModelImport.importKerasSequentialModelAndWeights(
                "src/test/resources/keras/cnn_batch_norm.h5", false);

        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(keras, Nd4j.rand(DataType.FLOAT, 4, 12, 12, 3)))
                .withMessageContaining("layer 'dense_1' (index 4, DenseLayer, expects nIn 36) is the first to reject "
                        + "its input of shape [4, 8, 8, 1] (before its preprocessor)");
    }

    @Test
    void nan_and_infinity_in_the_features() {
        INDArray features = IMAGES.getFeatures().dup();
        features.putScalar(new int[] {0, 0, 0, 0}, Double.NaN);
        features.putScalar(new int[] {1, 0, 0, 0}, Double.NaN);
        features.putScalar(new int[] {2, 1, 5, 5}, Double.POSITIVE_INFINITY);
        DataSet clean = IMAGES;
        DataSet dirty = new DataSet(features, IMAGES.getLabels());

        assertThatIllegalArgumentException()
                .isThrownBy(() -> BatchNormInspector.inspect(model, new OneShotDataSetIterator(List.of(clean, dirty))))
                .withMessage("Probe batch 1 has 2 NaN and 1 infinite feature values (input 0, shape [12, 3, 32, 32] of "
                        + "36864 values): clean or impute the data first; the check compares finite inputs.");
        assertUnchanged(model);
    }

    @Test
    void iterator_that_throws_midway() {
        OneShotDataSetIterator failing = new OneShotDataSetIterator(List.of(IMAGES, IMAGES, IMAGES)) {
            @Override
            public DataSet next() {
                if (taken() == 2) {
                    throw new IllegalStateException("disk read error");
                }
                return super.next();
            }
        };

        INDArray inputBefore = model.getInput();

        assertThatIllegalStateException()
                .isThrownBy(() -> BatchNormInspector.inspect(model, failing))
                .withMessage("Reading probe batch 2 from the DataSetIterator ("
                        + failing.getClass().getName() + ") failed: disk read error (the model was not changed)")
                .withCauseInstanceOf(IllegalStateException.class);
        assertUnchanged(model);
        assertThat(model.getInput()).isSameAs(inputBefore); // the network's own input reference is restored too
    }
}
