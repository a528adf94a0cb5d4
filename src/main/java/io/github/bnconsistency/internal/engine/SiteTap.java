package io.github.bnconsistency.internal.engine;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Wraps a BatchNormalization layer (frozen or not) of one of the engine's own network copies and hands its input,
 * as the layer receives it, to the reader of the pass under way before the layer runs. The statistics are so read
 * inside DL4J's own forward pass, whose workspaces recycle each activation once the next layers have used it: no
 * pass keeps every activation, and nothing but what the reader makes of an input outlives it.
 */
final class SiteTap extends BaseWrapperLayer {

    /** What a pass does with each site's input; called on the pass's thread, outside any workspace. */
    @FunctionalInterface
    interface SiteReader {
        /**
         * @param site  the site's index in the adapter's {@link ModelAdapter#sites()}
         * @param input the layer's input (in a DL4J workspace: valid only during the call, never to be kept)
         */
        void read(int site, INDArray input);
    }

    /** The reader of the pass under way on a network copy; shared by that copy's taps. */
    static final class Board {
        private SiteReader reader;

        void set(SiteReader reader) {
            this.reader = reader;
        }

        @SuppressWarnings("try") // the scope is the point: nothing in the body names it
        void read(int site, INDArray input) {
            if (reader == null || input == null) {
                return;
            }
            // what the reader allocates is its own (detached, freed by the reader): never in the pass's workspaces,
            // which a later layer would recycle, nor enlarging them
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                reader.read(site, input);
            }
        }
    }

    private final int site;
    private final Board board;

    SiteTap(Layer underlying, int site, Board board) {
        super(underlying);
        this.site = site;
        this.board = board;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        board.read(site, underlying.input()); // a ComputationGraph sets the input first
        return underlying.activate(training, workspaceMgr);
    }

    @Override
    public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
        board.read(site, input); // a MultiLayerNetwork passes it (after its preprocessor)
        return underlying.activate(input, training, workspaceMgr);
    }
}
