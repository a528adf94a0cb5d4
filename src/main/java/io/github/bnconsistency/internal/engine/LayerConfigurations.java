package io.github.bnconsistency.internal.engine;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.Bidirectional;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;

/** Walks layer configurations through their wrappers (frozen, bidirectional, ...). */
final class LayerConfigurations {

    private LayerConfigurations() {}

    /** The configuration and every configuration it wraps. */
    static List<Layer> selfAndWrapped(Layer layer) {
        List<Layer> all = new ArrayList<>();
        collect(layer, all);
        return all;
    }

    private static void collect(Layer layer, List<Layer> all) {
        if (layer == null) {
            return;
        }
        all.add(layer);
        if (layer instanceof FrozenLayer frozen) {
            collect(frozen.getLayer(), all);
        } else if (layer instanceof BaseWrapperLayer wrapper) {
            collect(wrapper.getUnderlying(), all);
        } else if (layer instanceof Bidirectional bidirectional) {
            collect(bidirectional.getFwd(), all);
            collect(bidirectional.getBwd(), all);
        }
    }

    private static void copyWrapped(Layer layer) {
        if (layer instanceof FrozenLayer frozen) {
            copyWrapped(frozen.getLayer()); // FrozenLayer.clone() already copied the layer it wraps
        } else if (layer instanceof BaseWrapperLayer wrapper) {
            wrapper.setUnderlying(wrapper.getUnderlying().clone());
            copyWrapped(wrapper.getUnderlying());
        } else if (layer instanceof Bidirectional bidirectional) {
            bidirectional.setFwd(bidirectional.getFwd().clone());
            bidirectional.setBwd(bidirectional.getBwd().clone());
            copyWrapped(bidirectional.getFwd());
            copyWrapped(bidirectional.getBwd());
        }
    }

    /**
     * Whether the layer applies anything random only when training: dropout of any kind (also a Keras import's
     * {@code Dropout(1.0)}, which drops nothing but still draws random numbers), weight noise, DropConnect.
     */
    static boolean hasTrainingOnlyNoise(Layer layer) {
        for (Layer l : selfAndWrapped(layer)) {
            if (l.getIDropout() != null || (l instanceof BaseLayer base && base.getWeightNoise() != null)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Removes every training-only noise from the layer configuration (meant for a copy). DL4J's {@code clone()} of a
     * wrapper ({@code LastTimeStep}, {@code TimeDistributed}, {@code MaskZeroLayer}, {@code Bidirectional}) shares
     * the wrapped configuration with the original, so those are replaced by copies first: the user's own layers
     * must keep their dropout.
     */
    static void removeTrainingOnlyNoise(Layer layer) {
        copyWrapped(layer);
        for (Layer l : selfAndWrapped(layer)) {
            l.setIDropout(null);
            if (l instanceof BaseLayer base) {
                base.setWeightNoise(null);
            }
        }
    }
}
