package io.github.bnconsistency.internal.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deeplearning4j.nn.conf.dropout.AlphaDropout;
import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.dropout.GaussianDropout;
import org.deeplearning4j.nn.conf.dropout.GaussianNoise;
import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.conf.dropout.SpatialDropout;
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

    /**
     * Gives the layer's own copies of its training-only noise (meant for a copy that keeps the noise): DL4J's
     * {@code clone()} shares the dropout object, which keeps its last mask, with the original.
     */
    static void copyTrainingOnlyNoise(Layer layer) {
        copyWrapped(layer);
        for (Layer l : selfAndWrapped(layer)) {
            if (l.getIDropout() != null) {
                l.setIDropout(l.getIDropout().clone());
            }
            if (l instanceof BaseLayer base && base.getWeightNoise() != null) {
                base.setWeightNoise(base.getWeightNoise().clone());
            }
        }
    }

    /**
     * What the layer does at random in training only, in words ({@code dropout, retain probability 0.5}), empty when
     * it does nothing: a Keras import's {@code Dropout(p = 1.0)} keeps everything.
     */
    static Optional<String> effectiveNoise(Layer layer) {
        List<String> parts = new ArrayList<>();
        for (Layer l : selfAndWrapped(layer)) {
            if (l instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization) {
                continue; // its activate() never applies dropout or weight noise (DL4J 1.0.0-M2.1 sources)
            }
            // a DropoutLayer is its dropout; on any other layer DL4J applies it to the layer's input
            boolean dropoutLayer = l instanceof org.deeplearning4j.nn.conf.layers.DropoutLayer;
            describe(l.getIDropout()).map(d -> dropoutLayer ? d : onInput(d)).ifPresent(parts::add);
            if (l instanceof BaseLayer base && base.getWeightNoise() != null) {
                parts.add(
                        base.getWeightNoise() instanceof org.deeplearning4j.nn.conf.weightnoise.DropConnect drop
                                ? "DropConnect, weight retain probability " + drop.getWeightRetainProb()
                                : "weight noise");
            }
        }
        return parts.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", parts));
    }

    /** {@code dropout, retain probability 0.5} -> {@code dropout on its input, retain probability 0.5}. */
    private static String onInput(String described) {
        int comma = described.indexOf(", ");
        return comma < 0
                ? described + " on its input"
                : described.substring(0, comma) + " on its input" + described.substring(comma);
    }

    /** A dropout by its retain probability, empty when it keeps everything (1, without a schedule). */
    private static Optional<String> retaining(String kind, double p, Object schedule) {
        return p >= 1 && schedule == null ? Optional.empty() : Optional.of(kind + ", retain probability " + p);
    }

    static Optional<String> describe(IDropout dropout) {
        if (dropout == null) {
            return Optional.empty();
        }
        // DL4J's p is the probability of keeping an activation, Keras's rate that of dropping it
        if (dropout instanceof Dropout d) {
            return retaining("dropout", d.getP(), d.getPSchedule());
        }
        if (dropout instanceof SpatialDropout d) {
            return retaining("spatial dropout", d.getP(), d.getPSchedule());
        }
        if (dropout instanceof AlphaDropout d) {
            return retaining("alpha dropout", d.getP(), d.getPSchedule());
        }
        if (dropout instanceof GaussianDropout d) {
            return d.getRate() <= 0 && d.getRateSchedule() == null
                    ? Optional.empty()
                    : Optional.of("Gaussian dropout, rate " + d.getRate());
        }
        if (dropout instanceof GaussianNoise d) {
            return d.getStddev() <= 0 && d.getStddevSchedule() == null
                    ? Optional.empty()
                    : Optional.of("Gaussian noise, standard deviation " + d.getStddev());
        }
        return Optional.of(dropout.getClass().getSimpleName());
    }
}
