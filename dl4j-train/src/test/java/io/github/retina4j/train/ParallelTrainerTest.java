package io.github.retina4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.models.optimize.MomentumSgd;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/** {@link Trainer} with several workers (DL4J ParallelWrapper, parameter averaging after every iteration). */
class ParallelTrainerTest {

    private static final long SEED = 42;

    private static TrainerConfig config(Path dir, int iterations, int workers) {
        return TrainerConfig.defaults(dir, iterations, SEED).withCheckpointEvery(4).withWorkers(workers);
    }

    @Test
    void twoWorkersOnBatchBTakeTheStepsOfOneWorkerOnBatch2B(@TempDir Path tmp) {
        // Momentum SGD with L2 is linear in the gradient: averaging the workers' parameters and momenta after each
        // step is SGD on the mean of their mean gradients, i.e. on the mean gradient of the union batch (the effective
        // batch is workers × batch; the learning rate is the one for that batch). 32 samples: 2 iterations per epoch.
        int total = 7;
        TrainingResult one = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED),
                new ToyProblem.ShufflingIterator(SEED, 32, 16), config(tmp.resolve("one"), total, 1)).train();
        TrainingResult two = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED),
                new ToyProblem.ShufflingIterator(SEED, 32, 8), config(tmp.resolve("two"), total, 2)).train();
        INDArray a = one.graph().params();
        INDArray b = two.graph().params();
        assertTrue(a.sub(b).amaxNumber().doubleValue() < 1e-6, "parameters differ by " + a.sub(b).amaxNumber());
        assertTrue(one.graph().getUpdater().getStateViewArray().sub(two.graph().getUpdater().getStateViewArray())
                .amaxNumber().doubleValue() < 1e-6, "momentum differs");
        assertEquals(total, two.graph().getIterationCount());
        assertEquals(3, two.graph().getEpochCount(), "epochs counted in batches of the union");
        for (int i = 0; i < total; i++) {
            LossPoint p = one.history().get(i);
            LossPoint q = two.history().get(i);
            assertEquals(p.iteration(), q.iteration());
            assertEquals(p.epoch(), q.epoch());
            assertEquals(p.loss(), q.loss(), 1e-6, "loss (the workers' mean) at iteration " + (i + 1));
            assertEquals(p.lr(), q.lr(), 1e-12, "learning rate at iteration " + (i + 1));
        }
        // and the run really differs from one worker on batch B
        TrainingResult small = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED),
                new ToyProblem.ShufflingIterator(SEED, 32, 8), config(tmp.resolve("small"), total, 1)).train();
        assertTrue(small.graph().params().sub(b).amaxNumber().doubleValue() > 1e-3);
    }

    /** Throws in a worker once the given iteration's step has run there. */
    private static final class Crash extends BaseTrainingListener {
        private final int at;

        Crash(int at) {
            this.at = at;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            if (iteration + 1 == at) {
                throw new IllegalStateException("simulated crash");
            }
        }
    }

    @Test
    void resumedParallelRunEndsWithTheSameWeightsAsAnUninterruptedOne(@TempDir Path tmp) {
        int total = 10;
        TrainerConfig straightConfig = config(tmp.resolve("straight"), total, 2).withMaxGradNorm(1.0);
        TrainingResult straight = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED),
                new ToyProblem.ShufflingIterator(SEED, 40, 4), straightConfig).train();

        Path run = tmp.resolve("interrupted");
        Trainer first = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED),
                new ToyProblem.ShufflingIterator(SEED, 40, 4), config(run, total, 2).withMaxGradNorm(1.0))
                .addListener(new Crash(7));
        IllegalStateException e = assertThrows(IllegalStateException.class, first::train);
        assertEquals("simulated crash", e.getMessage());
        assertEquals(4, new CheckpointStore(run.resolve(Trainer.CHECKPOINT_DIR), 2).latest().orElseThrow().iteration());

        TrainingResult resumed = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED + 1),
                new ToyProblem.ShufflingIterator(SEED, 40, 4), config(run, total, 2).withMaxGradNorm(1.0).withResume(true))
                .train();
        assertEquals(4, resumed.resumedFrom());
        assertTrue(straight.graph().params().sub(resumed.graph().params()).amaxNumber().doubleValue() < 1e-7,
                "final weights differ after resume");
        assertEquals(total, resumed.graph().getIterationCount());
        List<LossPoint> h = resumed.history();
        assertEquals(total, h.size());
        for (int i = 0; i < total; i++) {
            assertEquals(i + 1, h.get(i).iteration());
            assertEquals(straight.history().get(i).loss(), h.get(i).loss(), 1e-6);
            assertTrue(h.get(i).gradNorm() > 0, "gradient norm logged");
        }
    }

    @Test
    void eflStatisticsOfTwoWorkersTrackOneWorkerOnTheUnionBatch(@TempDir Path tmp) {
        // The parameters stay put (learning rate 0), so the per-worker normalisation of the gradient plays no part and
        // the statistics of both runs must agree after every iteration, not only after the first.
        int classes = 4;
        int total = 5;
        TrainingResult one = new Trainer(eflGraph(classes), new DenseIterator(16, 8, classes), config(tmp.resolve("one"), total, 1)).train();
        TrainingResult two = new Trainer(eflGraph(classes), new DenseIterator(16, 4, classes), config(tmp.resolve("two"), total, 2)).train();
        assertEquals(eflGraph(classes).params(), two.graph().params(), "parameters unchanged");
        EqualizedFocalLoss a = efl(one.graph());
        EqualizedFocalLoss b = efl(two.graph());
        double[] pa = a.getPosGrad();
        assertTrue(java.util.Arrays.stream(pa).sum() > 0, "statistics accumulated");
        assertClose(pa, b.getPosGrad(), "posGrad");
        assertClose(a.getNegGrad(), b.getNegGrad(), "negGrad");
        assertClose(a.getPosNeg(), b.getPosNeg(), "posNeg");
        // the checkpoint of the parallel run holds the merged statistics
        ComputationGraph saved = new CheckpointStore(tmp.resolve("two").resolve(Trainer.CHECKPOINT_DIR), 2).latest()
                .orElseThrow().readModel();
        assertClose(a.getPosGrad(), efl(saved).getPosGrad(), "posGrad in the checkpoint");
        // one worker on half the batches alone does not get there
        TrainingResult half = new Trainer(eflGraph(classes), new DenseIterator(16, 4, classes), config(tmp.resolve("half"), total, 1)).train();
        double diff = Nd4j.createFromArray(a.getPosNeg()).sub(Nd4j.createFromArray(efl(half.graph()).getPosNeg())).amaxNumber().doubleValue();
        assertTrue(diff > 1e-3, "posNeg of a lone worker differs by " + diff);
    }

    private static void assertClose(double[] expected, double[] actual, String what) {
        for (int j = 0; j < expected.length; j++) {
            assertEquals(expected[j], actual[j], 1e-5 * Math.abs(expected[j]) + 1e-12, what + "[" + j + "]");
        }
    }

    static EqualizedFocalLoss efl(ComputationGraph g) {
        return ParallelTraining.ReplicaLosses.equalizedFocalLosses(g).get("out");
    }

    /** [N, 3, A] → 1×1 convolution → RnnLossLayer(EFL), objective S as the detector's (miniBatch false). */
    private static ComputationGraph eflGraph(int classes) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(SEED).updater(new Sgd(0.0)).miniBatch(false).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in").setInputTypes(InputType.recurrent(3))
                .addLayer("head", new Convolution1DLayer.Builder().kernelSize(1).stride(1).nIn(3).nOut(classes)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("out", new RnnLossLayer.Builder().lossFunction(new EqualizedFocalLoss(classes))
                        .activation(Activation.IDENTITY).build(), "head")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** Fixed random dense samples [3, A] with one-hot [C, A] labels (varying positives per sample), in order. */
    private static final class DenseIterator extends ResettableTestIterator {
        private static final int A = 20;
        private final INDArray x;
        private final INDArray y;
        private final int batch;
        private int cursor;

        DenseIterator(int samples, int batch, int classes) {
            Random r = new Random(3);
            Nd4j.getRandom().setSeed(3);
            x = Nd4j.randn(DataType.FLOAT, samples, 3, A);
            y = Nd4j.zeros(DataType.FLOAT, samples, classes, A);
            for (int n = 0; n < samples; n++) {
                int positives = 1 + r.nextInt(A / 2);
                for (int k = 0; k < positives; k++) {
                    y.putScalar(new long[] {n, r.nextInt(classes), r.nextInt(A)}, 1.0);
                }
            }
            this.batch = batch;
        }

        @Override
        public void reset() {
            cursor = 0;
        }

        @Override
        public boolean hasNext() {
            return cursor < x.size(0);
        }

        @Override
        public MultiDataSet next() {
            NDArrayIndexRange r = new NDArrayIndexRange(cursor, cursor + batch);
            cursor += batch;
            return new org.nd4j.linalg.dataset.MultiDataSet(r.of(x), r.of(y));
        }

        private record NDArrayIndexRange(int from, int to) {
            INDArray of(INDArray a) {
                return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all(), NDArrayIndex.all()).dup();
            }
        }
    }
}
