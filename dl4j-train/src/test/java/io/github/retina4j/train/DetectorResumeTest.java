package io.github.retina4j.train;

import io.github.retina4j.testsupport.ExactArrays;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.nio.file.Path;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exact resume on a detector through the {@link Trainer}: a small RetinaNet trained for {@value #TOTAL}
 * iterations without a break ends with the same weights, updater state and per-iteration losses as one that
 * crashes after its checkpoint at {@value #CHECKPOINT_EVERY} and is resumed in a fresh trainer, graph and data
 * iterator. Four 64×64 images in batches of two: the run crosses epochs (the data order is replayed), the
 * checkpoint falls in the middle of an epoch and the schedule's warm-up and steps (at 4 and 5).
 */
class DetectorResumeTest {

    private static final int TOTAL = 6;
    private static final int CHECKPOINT_EVERY = 3;
    /** The crash happens during this iteration, after the previous one was logged but not checkpointed. */
    private static final int CRASH_DURING = 5;

    @TempDir
    static Path dir;
    private static TinyDetector.Data data;

    @BeforeAll
    static void data() {
        data = TinyDetector.data(dir.resolve("data"));
    }

    /** Simulates a crash: throws from inside the given iteration's fit. */
    private static final class Crash extends BaseTrainingListener {
        private final int iteration;

        Crash(int iteration) {
            this.iteration = iteration;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            if (iteration + 1 == this.iteration) {
                throw new IllegalStateException("simulated crash in iteration " + this.iteration);
            }
        }
    }

    private static TrainingResult run(TinyDetector.Optimizer optimizer, Path runDir, boolean resume, long graphSeed,
                                      int crashDuring) {
        RetinaNetConfig config = TinyDetector.config(data, "retinanet", optimizer.updater(TOTAL), graphSeed);
        try (TrainingData.CloseableIterator it = TinyDetector.iterator(data, config)) {
            Trainer trainer = TinyDetector.trainer(data, config, it,
                    TinyDetector.trainerConfig(runDir, TOTAL, CHECKPOINT_EVERY).withResume(resume));
            if (crashDuring > 0) {
                trainer.addListener(new Crash(crashDuring));
            }
            return trainer.train();
        }
    }

    @Test
    void resumedSgdRunIsIdenticalToTheUninterruptedOne() {
        check(TinyDetector.Optimizer.SGD);
    }

    @Test
    void resumedAdamRunIsIdenticalToTheUninterruptedOne() {
        check(TinyDetector.Optimizer.ADAM);
    }

    private static void check(TinyDetector.Optimizer optimizer) {
        String name = optimizer.name().toLowerCase(java.util.Locale.ROOT);
        TrainingResult straight = run(optimizer, dir.resolve(name + "-straight"), false, TinyDetector.SEED, 0);
        // resume can only be exact if training is reproducible: a second uninterrupted run must agree bit for bit
        TrainingResult again = run(optimizer, dir.resolve(name + "-again"), false, TinyDetector.SEED, 0);
        assertSameRun(straight, again, dir.resolve(name + "-straight"), dir.resolve(name + "-again"), "a second uninterrupted run");

        Path interrupted = dir.resolve(name + "-interrupted");
        assertThrows(IllegalStateException.class, () -> run(optimizer, interrupted, false, TinyDetector.SEED, CRASH_DURING));
        assertEquals(CRASH_DURING - 1, Trainer.readLog(interrupted.resolve(Trainer.LOG_FILE), Integer.MAX_VALUE).size(),
                "the crashed run logged the iteration after its last checkpoint");
        CheckpointStore store = new CheckpointStore(interrupted.resolve(Trainer.CHECKPOINT_DIR), 2);
        assertEquals(CHECKPOINT_EVERY, store.latest().orElseThrow().iteration());
        // a fresh process: a graph with other initial weights (the checkpoint replaces it) and a new iterator
        TrainingResult resumed = run(optimizer, interrupted, true, TinyDetector.SEED + 1, 0);
        assertEquals(CHECKPOINT_EVERY, resumed.resumedFrom());
        assertSameRun(straight, resumed, dir.resolve(name + "-straight"), interrupted, "the resumed run");
    }

    /** Same weights, updater state, counters, per-iteration log and final trainer state; all compared exactly. */
    private static void assertSameRun(TrainingResult expected, TrainingResult actual, Path expectedDir, Path actualDir,
                                      String what) {
        ExactArrays.assertIdentical(what + ": weights", expected.graph().params(), actual.graph().params());
        ExactArrays.assertIdentical(what + ": updater state", expected.graph().getUpdater().getStateViewArray(), actual.graph().getUpdater().getStateViewArray());
        assertEquals(TOTAL, actual.graph().getIterationCount(), what + ": iteration counter");
        assertEquals(expected.graph().getEpochCount(), actual.graph().getEpochCount(), what + ": epoch counter");
        List<LossPoint> e = Trainer.readLog(expectedDir.resolve(Trainer.LOG_FILE), Integer.MAX_VALUE);
        List<LossPoint> a = Trainer.readLog(actualDir.resolve(Trainer.LOG_FILE), Integer.MAX_VALUE);
        assertEquals(TOTAL, e.size());
        assertEquals(TOTAL, a.size(), what + ": one log line per iteration");
        for (int i = 0; i < TOTAL; i++) {
            String at = what + ", iteration " + (i + 1);
            assertEquals(i + 1, a.get(i).iteration(), at);
            assertEquals(e.get(i).epoch(), a.get(i).epoch(), at + ": epoch");
            assertEquals(e.get(i).loss(), a.get(i).loss(), 0.0, at + ": loss");
            assertEquals(e.get(i).lr(), a.get(i).lr(), 0.0, at + ": learning rate");
            assertEquals(e.get(i).gradNorm(), a.get(i).gradNorm(), 0.0, at + ": gradient norm");
        }
        CheckpointStore.Checkpoint last = new CheckpointStore(actualDir.resolve(Trainer.CHECKPOINT_DIR), 2).latest().orElseThrow();
        assertEquals(new CheckpointStore(expectedDir.resolve(Trainer.CHECKPOINT_DIR), 2).latest().orElseThrow().readState(),
                last.readState(), what + ": trainer state of the last checkpoint");
    }
}
