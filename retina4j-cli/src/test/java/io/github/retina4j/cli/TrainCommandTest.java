package io.github.retina4j.cli;

import io.github.retina4j.testsupport.ExactArrays;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.cli.Retina4jCli;
import io.github.retina4j.train.LossPoint;
import io.github.retina4j.train.Trainer;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.io.ModelFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code retina4j train} end to end on a tiny split, then {@code --resume} to more iterations, which must end
 * exactly where an uninterrupted run ends.
 */
class TrainCommandTest {

    static int run(StringWriter err, String... args) {
        return Retina4jCli.run(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), args);
    }

    /** {@code train} on 6 tiny shapes-lt images of 3 classes in {@code dir}, with the given extra arguments. */
    static String[] trainArgs(Path dir, int seed, String... more) {
        ShapesLtFiles files = new ShapesLtGenerator(ShapesLtConfig.builder().seed(seed).numClasses(3).trainImages(6)
                .valImages(1).imageSize(64, 96).objectSize(16, 40).longTail(4, 1).build()).writeTo(dir);
        return concat(new String[] {"train", "--annotations", files.trainCoco().toString(), "--images",
                files.trainImages().toString(), "--image-size", "64", "--no-progress"}, more);
    }

    @Test
    void trainsWritesAModelAndResumes(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("run");
        // The schedule is given explicitly: by default it depends on --iterations, and a resumed run keeps the
        // schedule of the run it continues, so only then does a 2 + 1 run match an uninterrupted 3-iteration one.
        String[] data = trainArgs(tmp.resolve("data"), 5, "--batch-size", "2", "--checkpoint-every", "1",
                "--lr", "0.002", "--warmup-iters", "1", "--steps", "2");
        String[] common = concat(data, "--out", out.toString());
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, concat(common, "--iterations", "2")), err.toString());
        assertTrue(ImageIO.read(out.resolve(TrainCommand.LOSS_CURVE).toFile()) != null);
        try (Detector d = Detector.load(out.resolve(TrainCommand.MODEL_FILE))) {
            assertEquals(3, d.metadata().categories().size());
        }
        // checkpoints are model files with metadata too
        Path ckpt = out.resolve(Trainer.CHECKPOINT_DIR).resolve("checkpoint-00000002").resolve("model.zip");
        try (Detector d = Detector.load(ckpt)) {
            assertNotNull(d.metadata());
        }
        StringWriter err2 = new StringWriter();
        assertEquals(0, run(err2, concat(common, "--iterations", "3", "--resume")), err2.toString());
        assertEquals(3, Trainer.readLog(out.resolve(Trainer.LOG_FILE), Integer.MAX_VALUE).size());

        // the resumed run equals an uninterrupted one exactly: weights, updater state (in the last checkpoint), losses
        Path straight = tmp.resolve("straight");
        StringWriter err5 = new StringWriter();
        assertEquals(0, run(err5, concat(data, "--out", straight.toString(), "--iterations", "3")), err5.toString());
        ExactArrays.assertIdentical("weights of model.zip", ModelFile.load(straight.resolve(TrainCommand.MODEL_FILE), false).graph().params(), ModelFile.load(out.resolve(TrainCommand.MODEL_FILE), false).graph().params());
        Path lastCheckpoint = Path.of(Trainer.CHECKPOINT_DIR, "checkpoint-00000003", "model.zip");
        ExactArrays.assertIdentical("updater state", ModelFile.load(straight.resolve(lastCheckpoint), true).graph().getUpdater().getStateViewArray(), ModelFile.load(out.resolve(lastCheckpoint), true).graph().getUpdater().getStateViewArray());
        List<LossPoint> expectedLog = Trainer.readLog(straight.resolve(Trainer.LOG_FILE), Integer.MAX_VALUE);
        List<LossPoint> resumedLog = Trainer.readLog(out.resolve(Trainer.LOG_FILE), Integer.MAX_VALUE);
        for (int i = 0; i < 3; i++) {
            assertEquals(expectedLog.get(i).loss(), resumedLog.get(i).loss(), 0.0, "loss of iteration " + (i + 1));
            assertEquals(expectedLog.get(i).lr(), resumedLog.get(i).lr(), 0.0, "lr of iteration " + (i + 1));
        }

        StringWriter err3 = new StringWriter();
        assertEquals(Retina4jCli.EXIT_FAILED, run(err3, concat(common, "--iterations", "3", "--resume")));
        assertTrue(err3.toString().contains("already at iteration 3"), err3.toString());
        StringWriter err4 = new StringWriter();
        assertEquals(Retina4jCli.EXIT_FAILED, run(err4, concat(common, "--iterations", "3", "--cls-loss", "softmax")));
        assertTrue(err4.toString().contains("--cls-loss"), err4.toString());
    }

    @Test
    void trainsWithTwoWorkersAndResumes(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("run");
        String[] common = trainArgs(tmp.resolve("data"), 6, "--out", out.toString(), "--batch-size", "1", "--cls-loss", "efl",
                "--checkpoint-every", "2");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, concat(common, "--workers", "2", "--iterations", "2")), err.toString());
        try (Detector d = Detector.load(out.resolve(TrainCommand.MODEL_FILE))) {
            assertEquals(3, d.metadata().categories().size());
        }
        StringWriter err2 = new StringWriter();
        assertEquals(0, run(err2, concat(common, "--workers", "2", "--iterations", "3", "--resume")), err2.toString());
        assertEquals(3, Trainer.readLog(out.resolve(Trainer.LOG_FILE), Integer.MAX_VALUE).size());
        StringWriter err3 = new StringWriter();
        assertEquals(Retina4jCli.EXIT_FAILED, run(err3, concat(common, "--workers", "0", "--iterations", "3")));
        assertTrue(err3.toString().contains("--workers"), err3.toString());
    }

    @Test
    void trainsWithPisaAndRejectsItWithLossesItDoesNotSupport(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("run");
        String[] common = trainArgs(tmp.resolve("data"), 7, "--batch-size", "2", "--iterations", "2", "--pisa");
        StringWriter err = new StringWriter();
        assertEquals(0, run(err, concat(common, "--out", out.toString())), err.toString());
        try (Detector d = Detector.load(out.resolve(TrainCommand.MODEL_FILE))) {
            assertEquals(io.github.retina4j.models.retinanet.RetinaNet.JOINT_OUTPUT, d.metadata().classOutput());
        }
        // data-parallel workers replicate the joint loss like any other
        Path parallel = tmp.resolve("parallel");
        StringWriter errWorkers = new StringWriter();
        assertEquals(0, run(errWorkers, concat(common, "--workers", "2", "--out", parallel.toString())),
                errWorkers.toString());
        try (Detector d = Detector.load(parallel.resolve(TrainCommand.MODEL_FILE))) {
            assertEquals(3, d.metadata().categories().size());
        }
        for (String[] bad : new String[][] {{"--cls-loss", "efl"}, {"--model", "libra"}, {"--box-loss", "l1"}}) {
            Path badOut = tmp.resolve("bad-" + bad[1]);
            StringWriter e = new StringWriter();
            assertEquals(Retina4jCli.EXIT_FAILED, run(e, concat(common, concat(bad, "--out", badOut.toString()))));
            assertTrue(e.toString().contains("--pisa needs"), e.toString());
            assertTrue(!java.nio.file.Files.exists(badOut), "nothing written for " + String.join(" ", bad));
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
