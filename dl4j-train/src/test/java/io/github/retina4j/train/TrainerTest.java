package io.github.retina4j.train;

import io.github.retina4j.models.optimize.WarmupStepSchedule;

import io.github.retina4j.models.optimize.MomentumSgd;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class TrainerTest {

    private static final long SEED = 42;

    private static TrainerConfig config(Path dir, int iterations) {
        return TrainerConfig.defaults(dir, iterations, SEED).withCheckpointEvery(4)
                .withMaxGradNorm(1.0);
    }

    /** Simulates a crash: throws once the given iteration has finished. */
    private static final class Crash extends BaseTrainingListener {
        private final int at;
        Crash(int at) { this.at = at; }
        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            if (iteration + 1 == at) throw new IllegalStateException("simulated crash");
        }
    }

    @Test
    void resumedRunEndsWithTheSameWeightsAsAnUninterruptedOne(@TempDir Path tmp) {
        int total = 14; // 5 batches per epoch: crosses epochs, the warm-up (5) and the lr step (12)
        ComputationGraph straightGraph = ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED);
        TrainingResult straight = new Trainer(straightGraph, new ToyProblem.ShufflingIterator(SEED),
                config(tmp.resolve("straight"), total)).train();

        Path run = tmp.resolve("interrupted");
        Trainer first = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED),
                new ToyProblem.ShufflingIterator(SEED), config(run, total)).addListener(new Crash(7));
        assertThrows(IllegalStateException.class, first::train);
        CheckpointStore store = new CheckpointStore(run.resolve(Trainer.CHECKPOINT_DIR), 2);
        assertEquals(4, store.latest().orElseThrow().iteration(), "the crash at 7 keeps the checkpoint of 4");

        // a fresh process: new (differently initialised) graph object, new iterator; resume replaces the graph
        TrainingResult resumed = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED + 1),
                new ToyProblem.ShufflingIterator(SEED), config(run, total).withResume(true)).train();

        assertEquals(4, resumed.resumedFrom());
        INDArray a = straight.graph().params();
        INDArray b = resumed.graph().params();
        assertIdentical("final weights after resume", a, b);
        assertEquals(total, resumed.graph().getIterationCount());
        assertIdentical("updater state after resume", straight.graph().getUpdater().getStateViewArray(),
                resumed.graph().getUpdater().getStateViewArray());
        // the log holds each iteration exactly once, with the same losses
        List<LossPoint> h = resumed.history();
        assertEquals(total, h.size());
        for (int i = 0; i < total; i++) {
            assertEquals(i + 1, h.get(i).iteration());
            assertEquals(straight.history().get(i).loss(), h.get(i).loss(), 0.0, "loss of iteration " + (i + 1));
        }
    }

    @Test
    void trainingLowersTheLossAndFollowsTheSchedule(@TempDir Path tmp) {
        TrainingResult r = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED),
                new ToyProblem.ShufflingIterator(SEED), config(tmp, 30)).train();
        List<LossPoint> h = r.history();
        assertTrue(h.get(29).loss() < 0.5 * h.get(0).loss(), "loss " + h.get(0).loss() + " -> " + h.get(29).loss());
        WarmupStepSchedule s = new WarmupStepSchedule(0.05, 5, 0.001, new int[] {12}, 0.1);
        for (LossPoint p : h) {
            assertEquals(s.valueAt(p.iteration() - 1, p.epoch()), p.lr(), 1e-9, "lr at iteration " + p.iteration());
        }
        assertTrue(Files.isRegularFile(tmp.resolve(Trainer.LOG_FILE)));
        assertEquals(30, Trainer.readLog(tmp.resolve(Trainer.LOG_FILE), Integer.MAX_VALUE).size());
        assertEquals(30, new CheckpointStore(tmp.resolve(Trainer.CHECKPOINT_DIR), 2).latest().orElseThrow().iteration());
        assertEquals(2, new CheckpointStore(tmp.resolve(Trainer.CHECKPOINT_DIR), 2).list().size(), "keeps 2 checkpoints");
    }

    @Test
    void nanLossStopsTheRunAndKeepsTheLastGoodCheckpoint(@TempDir Path tmp) {
        ToyProblem.ShufflingIterator data = new ToyProblem.ShufflingIterator(SEED);
        Trainer t = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED), data, config(tmp, 20));
        t.addListener(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                if (iteration + 1 == 9) data.poison(); // batches from iteration 10 on are NaN
            }
        });
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, t::train);
        assertEquals(10, e.iteration());
        CheckpointStore store = new CheckpointStore(tmp.resolve(Trainer.CHECKPOINT_DIR), 2);
        assertEquals(8, store.latest().orElseThrow().iteration());
        assertEquals(store.latest().orElseThrow().dir(), e.lastGoodCheckpoint());
        assertTrue(e.getMessage().contains("iteration 10"), e.getMessage());
        INDArray restored = store.latest().orElseThrow().readModel().params();
        assertFalse(restored.isNaN().any(), "checkpoint must hold the good weights");
    }

    @Test
    void resumeWithoutACheckpointIsABadArgument(@TempDir Path tmp) {
        Trainer t = new Trainer(ToyProblem.graph(ToyProblem.mmdetLikeUpdater(), SEED),
                new ToyProblem.ShufflingIterator(SEED), config(tmp, 5).withResume(true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::train);
        assertTrue(e.getMessage().contains("no checkpoint"), e.getMessage());
    }

    @Test
    void clippingBoundsTheUpdate(@TempDir Path tmp) {
        // plain SGD, lr 1, no momentum: the first update equals the (clipped) mean gradient + l2·w
        ComputationGraph g = ToyProblem.graph(new MomentumSgd(1.0, 0.0), SEED);
        INDArray before = g.params().dup();
        new Trainer(g, new ToyProblem.ShufflingIterator(SEED), config(tmp, 1).withMaxGradNorm(1e-3)).train();
        double step = g.params().sub(before).norm2Number().doubleValue();
        double l2Part = 1e-4 * before.norm2Number().doubleValue();
        assertTrue(step <= 1e-3 + l2Part + 1e-6, "update norm " + step);
        assertNotEquals(0.0, step);
    }
}
