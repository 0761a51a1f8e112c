package io.github.retina4j.train;

import io.github.retina4j.models.optimize.WarmupStepSchedule;

import io.github.retina4j.models.optimize.MomentumSgd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A tiny regression graph and a seeded, reshuffling iterator for trainer tests (stands in for the detector). */
final class ToyProblem {

    private ToyProblem() {
    }

    static ComputationGraph graph(IUpdater updater, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.FLOAT).updater(updater).l2(1e-4).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(8).nOut(2)
                        .activation(Activation.IDENTITY).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    static MomentumSgd mmdetLikeUpdater() {
        return new MomentumSgd(new WarmupStepSchedule(0.05, 5, 0.001, new int[] {12}, 0.1), 0.9);
    }

    /** 40 fixed samples of y = A·x, served in batches of 8, reshuffled on every reset by a seeded RNG. */
    static final class ShufflingIterator extends ResettableTestIterator {
        private final INDArray x;
        private final INDArray y;
        private final Random rng;
        private final int batch;
        private List<Integer> order = new ArrayList<>();
        private int cursor;
        private boolean poison;

        ShufflingIterator(long seed) {
            this(seed, 40, 8);
        }

        /** {@code samples} fixed samples in batches of {@code batch} (a divisor of samples). */
        ShufflingIterator(long seed, int samples, int batch) {
            Nd4j.getRandom().setSeed(1234);
            x = Nd4j.rand(DataType.FLOAT, samples, 4).subi(0.5);
            INDArray a = Nd4j.create(new float[][] {{1, -2}, {0.5f, 1}, {-1, 0.3f}, {2, 0}});
            y = x.mmul(a);
            rng = new Random(seed);
            this.batch = batch;
            reset();
        }

        /** Makes every later batch carry NaN features (for the NaN-loss test). */
        void poison() {
            poison = true;
        }

        @Override
        public void reset() {
            order = new ArrayList<>();
            for (int i = 0; i < x.rows(); i++) order.add(i);
            Collections.shuffle(order, rng);
            cursor = 0;
        }

        @Override
        public boolean hasNext() {
            return cursor < order.size();
        }

        @Override
        public MultiDataSet next() {
            int[] idx = order.subList(cursor, cursor + batch).stream().mapToInt(Integer::intValue).toArray();
            cursor += batch;
            INDArray fx = Nd4j.pullRows(x, 1, idx);
            if (poison) fx.assign(Double.NaN);
            return new org.nd4j.linalg.dataset.MultiDataSet(fx, Nd4j.pullRows(y, 1, idx));
        }
    }
}
