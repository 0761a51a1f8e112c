package io.github.retina4j.train.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.inference.ImageDetections;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.train.LossPoint;
import io.github.retina4j.train.Trainer;
import io.github.retina4j.train.TrainingProgress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resuming: an interrupted run continues from its checkpoint to the numbers of an uninterrupted one. */
class ExperimentRunnerTest {

    private static final String CONFIG = """
            {"dataset": {"shapes_lt": {"seed": 3, "num_classes": 4, "train_images": 12, "val_images": 4,
                         "min_image_size": 64, "max_image_size": 64, "min_object_size": 16, "max_object_size": 32,
                         "head_images": 8, "tail_images": 1}, "dir": "data"},
             "methods": ["efl"], "seeds": [5], "iterations": 6, "batch_size": 2, "image_size": 64, "checkpoint_every": 2,
             "evaluation": {"baseline": "efl"}}
            """;

    /** Stops the training (as a kill would) when an iteration is reached. */
    private static final class Interrupt implements TrainingProgress {
        private final int at;

        Interrupt(int at) {
            this.at = at;
        }

        @Override
        public void iteration(LossPoint point, int totalIterations) {
            if (point.iteration() == at) {
                throw new IllegalStateException("interrupted at " + at);
            }
        }
    }

    @Test
    void interruptedRunResumesFromItsCheckpointToTheSameRecord(@TempDir Path tmp) {
        ExperimentConfig config = ExperimentConfig.parse(CONFIG, "test");
        RunRecord whole = new ExperimentRunner(config, tmp, tmp.resolve("a")).run().get(0);

        Path b = tmp.resolve("b");
        assertThrows(IllegalStateException.class,
                () -> new ExperimentRunner(config, tmp, b).trainingProgress(() -> new Interrupt(5)).run());
        Path cell = b.resolve(ExperimentRunner.RUNS_DIR).resolve("efl-s5");
        assertFalse(Files.exists(cell.resolve(ExperimentRunner.RECORD_FILE)));
        assertFalse(Files.exists(b.resolve(ExperimentRunner.RESULTS_FILE)) && !ExperimentRunner.readResults(b).isEmpty());
        assertTrue(Files.isDirectory(cell.resolve(ExperimentRunner.TRAIN_DIR).resolve(Trainer.CHECKPOINT_DIR)
                .resolve("checkpoint-00000004")));

        StringWriter console = new StringWriter();
        List<RunRecord> resumed = new ExperimentRunner(config, tmp, b).console(new PrintWriter(console, true)).run();
        RunRecord r = resumed.get(0);
        assertEquals(whole.finalLoss(), r.finalLoss());
        assertEquals(whole.coco(), r.coco());
        assertEquals(whole.lvis(), r.lvis());
        assertEquals(6, Trainer.readLog(cell.resolve(ExperimentRunner.TRAIN_DIR).resolve(Trainer.LOG_FILE), 99).size());
        // the model file is kept, the checkpoints are not
        assertTrue(Files.isRegularFile(cell.resolve(ExperimentRunner.MODEL_FILE)));
        assertFalse(Files.exists(cell.resolve(ExperimentRunner.TRAIN_DIR).resolve(Trainer.CHECKPOINT_DIR)));
        assertTrue(console.toString().contains("[1/1] efl seed 5: "), console.toString());
    }

    @Test
    void batchedEvaluationDetectsExactlyAsOneImageAtATime(@TempDir Path tmp) {
        // images of two sizes, so that the batches group them by network input size
        ExperimentConfig config = ExperimentConfig.parse(CONFIG.replace("\"max_image_size\": 64", "\"max_image_size\": 128")
                .replace("\"val_images\": 4", "\"val_images\": 11"), "test");
        ExperimentRunner runner = new ExperimentRunner(config, tmp, tmp.resolve("o"));
        runner.run();
        ExperimentRunner.Data data = runner.prepareData();
        Path model = tmp.resolve("o").resolve(ExperimentRunner.RUNS_DIR).resolve("efl-s5").resolve(ExperimentRunner.MODEL_FILE);
        // LVIS post-processing (score threshold 0.0001): a 6-iteration model has detections there
        ModelFile.Loaded loaded = ModelFile.load(model, false);
        try (Detector d = new Detector(loaded.graph(), loaded.metadata().withPostprocessing(PostProcessConfig.lvis()), 1)) {
            List<ImageDetections> single = d.detectAll(data.valCoco(), data.valImages());
            List<ImageDetections> batched = ExperimentRunner.detectAll(d, data.valCoco(), data.valImages());
            assertEquals(single, batched);
            assertTrue(single.stream().mapToInt(x -> x.detections().size()).sum() > 0, "no detections to compare");
        }
        long sizes = data.valCoco().images().stream().map(i -> List.of(i.width(), i.height())).distinct().count();
        assertTrue(sizes > 1 && data.valCoco().images().size() > ExperimentRunner.EVAL_BATCH, "sizes " + sizes);
    }

    @Test
    void anOutputFolderOfOtherSettingsIsRefusedBeforeTraining(@TempDir Path tmp) throws Exception {
        ExperimentConfig config = ExperimentConfig.parse(CONFIG, "test");
        Path out = tmp.resolve("o");
        Files.createDirectories(out);
        ExperimentConfig other = ExperimentConfig.parse(CONFIG.replace("\"iterations\": 6", "\"iterations\": 7"), "test");
        Files.writeString(out.resolve(ExperimentRunner.SETTINGS_FILE), ExperimentConfig.JSON.writeValueAsString(other.runSettings()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExperimentRunner(config, tmp, out).run());
        assertTrue(e.getMessage().contains("iterations") && e.getMessage().contains("other settings"), e.getMessage());
        assertFalse(Files.exists(out.resolve(ExperimentRunner.RUNS_DIR)));
    }
}
