package io.github.bnconsistency.scenario;

/**
 * One way a user might train a model with BatchNormalization: what is trained, in which mini-batches, at which
 * decay, with which learning rate, for how long. Everything else (data, initialization, shuffling) follows from the
 * seed, so a scenario always yields the same model.
 *
 * @param architecture dense or convolutional network (see {@link ScenarioModels})
 * @param batchSize    training mini-batch size; {@link ScenarioData#TRAINING_EXAMPLES} is a multiple of it, so every
 *                     training batch is full (a short last batch would change what the moving statistics converge to)
 * @param decay        the BatchNormalization decay (Keras momentum) of every BN layer
 * @param learningRate whether the learning rate is held to the end or decayed so that the weights settle
 * @param seed         seeds the data, the initialization and the shuffling
 * @param epochs       passes over the training data
 */
record Scenario(
        Architecture architecture, int batchSize, double decay, LearningRate learningRate, long seed, int epochs) {

    enum Architecture {
        DENSE,
        CNN
    }

    /** HELD: Adam at a constant rate; DECAYED: stepped down so the last 30% of iterations barely move the weights. */
    enum LearningRate {
        HELD,
        DECAYED
    }

    Scenario {
        if (batchSize <= 0 || ScenarioData.TRAINING_EXAMPLES % batchSize != 0) {
            throw new IllegalArgumentException("batch size " + batchSize + " must divide "
                    + ScenarioData.TRAINING_EXAMPLES + " so that every training batch is full");
        }
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be positive, was " + epochs);
        }
    }

    /** A scenario of {@code iterations} training iterations in all (a multiple of the iterations per epoch). */
    static Scenario ofIterations(
            Architecture architecture,
            int batchSize,
            double decay,
            LearningRate learningRate,
            long seed,
            int iterations) {
        int perEpoch = ScenarioData.TRAINING_EXAMPLES / batchSize;
        if (iterations % perEpoch != 0) {
            throw new IllegalArgumentException(iterations + " iterations are not whole epochs of " + perEpoch);
        }
        return new Scenario(architecture, batchSize, decay, learningRate, seed, iterations / perEpoch);
    }

    /** Training iterations in all: one per mini-batch. */
    int iterations() {
        return epochs * (ScenarioData.TRAINING_EXAMPLES / batchSize);
    }

    /** A short stable name for tables, e.g. {@code cnn b16 d0.99 decayed s2 576it}. */
    String label() {
        return String.format(
                "%-5s b%-2d d%-4s %-7s s%d %4dit",
                architecture.name().toLowerCase(),
                batchSize,
                decay,
                learningRate.name().toLowerCase(),
                seed,
                iterations());
    }
}
