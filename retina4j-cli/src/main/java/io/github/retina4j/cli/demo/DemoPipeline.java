package io.github.retina4j.cli.demo;

import io.github.retina4j.cli.TrainingProgressBar;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.stats.CategoryStatistics;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;
import io.github.retina4j.cli.DatasetDetection;
import io.github.retina4j.cli.Evaluations;
import io.github.retina4j.train.DetectorSetup;
import io.github.retina4j.train.OptimizerRecipe;
import io.github.retina4j.train.Recipe;
import io.github.retina4j.train.Trainer;
import io.github.retina4j.train.TrainerConfig;
import io.github.retina4j.train.TrainingData;
import io.github.retina4j.train.TrainingResult;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import java.util.stream.IntStream;

/**
 * The main job: shapes-lt → small RetinaNet trained on the CPU → COCO + LVIS evaluation on the
 * validation split → report folder.
 */
public final class DemoPipeline {

    public static final String MODEL_FILE = "model.zip";
    public static final String RUN_DIR = "run";

    /**
     * @param out        report folder
     * @param data       shapes-lt folder (generated or reused)
     * @param quick      reduced mode (small split, few iterations): a smoke test of the whole pipeline
     * @param iterations training iterations (null = the mode's default)
     * @param seed       seed of the data and the run
     * @param progress   progress bars
     * @param ui         attach the DL4J training UI
     */
    public record Settings(Path out, Path data, boolean quick, Integer iterations, long seed, boolean progress, boolean ui) {
    }

    /** Demo geometry and schedule, tuned for 2 CPU cores and ~10 minutes. */
    static final int FULL_ITERATIONS = 800;
    static final int QUICK_ITERATIONS = 12;
    static final int BATCH_SIZE = 8;
    /** Images are resized so that the long side is at most this (shapes-lt images are 128–256 px). */
    static final int LONG_EDGE = 192;
    static final int SHORT_EDGE = 192;
    static final int IMAGES_TO_DRAW = 6;

    private DemoPipeline() {
    }

    static ShapesLtConfig dataConfig(Settings s) {
        ShapesLtConfig.Builder b = ShapesLtConfig.builder().seed(s.seed());
        if (s.quick()) {
            b.numClasses(6).trainImages(24).valImages(8).longTail(12, 1);
        }
        return b.build();
    }

    /**
     * RetinaNet's recipe for the small backbone (Adam: it has no normalisation layers and trains from scratch; with a
     * few hundred CPU iterations Adam gets there, SGD does not), with mmdetection's warm-up and steps compressed into
     * a short run: warm-up over the first 10 %, ×0.1 at 80 % and 95 %.
     */
    static Recipe recipe(int iterations) {
        Recipe r = Recipe.retinaNet().forBackbone(Recipe.SMALL_BACKBONE);
        OptimizerRecipe o = r.optimizer();
        int warmup = Math.max(1, iterations / 10);
        int[] steps = IntStream.of(iterations * 8 / 10, iterations * 19 / 20).filter(v -> v > warmup).toArray();
        return r.withOptimizer(o.withWarmup(warmup, o.warmupRatio()).withSteps(steps, o.gamma()));
    }

    public static Map<String, Double> run(Settings s, PrintWriter console) {
        long start = System.nanoTime();
        int iterations = s.iterations() != null ? s.iterations() : s.quick() ? QUICK_ITERATIONS : FULL_ITERATIONS;

        // 1. data
        console.println("[1/4] shapes-lt in " + s.data());
        console.flush();
        ShapesLtFiles files = ShapesLtData.ensure(dataConfig(s), s.data());
        CocoJsonReader reader = CocoJsonReader.strict();
        CocoDataset train = reader.read(files.trainCoco());
        CocoDataset valCoco = reader.read(files.valCoco());
        CocoDataset valLvis = reader.read(files.valLvis());
        CategoryStatistics trainStats = CategoryStatistics.of(train);
        double dataSeconds = seconds(start);

        // 2. train
        console.printf("[2/4] training RetinaNet (small backbone) for %d iterations of %d images%n", iterations, BATCH_SIZE);
        console.flush();
        DetectorSetup.Choice choice = new DetectorSetup.Choice("retinanet", Recipe.SMALL_BACKBONE, "focal",
                DetectorSetup.RECIPE_BOX_LOSS);
        Recipe recipe = recipe(iterations);
        RetinaNetConfig config = DetectorSetup.config(choice, recipe, train, BATCH_SIZE, iterations, s.seed());
        ComputationGraph graph = RetinaNet.build(config);
        ModelMetadata metadata = DetectorSetup.metadata(train, config, LONG_EDGE, SHORT_EDGE);
        Path runDir = s.out().resolve(RUN_DIR);
        TrainerConfig tc = TrainerConfig.of(recipe, runDir, iterations, s.seed())
                .withCheckpointEvery(Math.max(1, iterations / 4))
                .withUiStatsFile(s.ui() ? runDir.resolve("ui-stats.dl4j") : null);
        long trainStart = System.nanoTime();
        TrainingResult result;
        try (TrainingData.CloseableIterator data = TrainingData.iterator(train, files.trainImages(), config,
                recipe.targetEncoder(config, s.seed()), BATCH_SIZE,
                LONG_EDGE, SHORT_EDGE, s.seed(), false, 0.001)) {
            Trainer trainer = new Trainer(graph, data, tc).modelWriter((g, f) -> ModelFile.save(g, metadata, f, true));
            if (s.progress()) {
                trainer.addProgress(new TrainingProgressBar());
            }
            result = trainer.train();
        }
        double trainSeconds = seconds(trainStart);
        Path modelFile = s.out().resolve(MODEL_FILE);
        try {
            ModelFile.save(result.graph(), metadata, modelFile, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + modelFile + ": " + e.getMessage(), e);
        }

        // 3. evaluate (COCO protocol with COCO post-processing, LVIS protocol with LVIS's)
        console.println("[3/4] evaluating on " + valCoco.images().size() + " validation images");
        console.flush();
        long evalStart = System.nanoTime();
        Map<Evaluation.Protocol, EvaluationSummary> summaries = new LinkedHashMap<>();
        DatasetDetection.Output cocoDets;
        // two façades over the same graph, used one after the other (Detector.withPostProcessing would clone it)
        try (Detector detector = new Detector(result.graph(), metadata, 1);
             Detector lvisDetector = new Detector(result.graph(), metadata.withPostprocessing(PostProcessConfig.lvis()), 1)) {
            cocoDets = DatasetDetection.run(detector, valCoco, files.valImages(), s.progress());
            summaries.putAll(Evaluations.run(valCoco, cocoDets.results(), List.of(Evaluation.Protocol.COCO)));
            DatasetDetection.Output lvisDets = DatasetDetection.run(lvisDetector, valLvis, files.valImages(), s.progress());
            summaries.putAll(Evaluations.run(valLvis, lvisDets.results(), List.of(Evaluation.Protocol.LVIS)));
        }
        double evalSeconds = seconds(evalStart);

        // 4. report
        console.println("[4/4] writing the report to " + s.out());
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("mode", s.quick() ? "quick" : "full");
        run.put("seed", s.seed());
        run.put("iterations", iterations);
        run.put("batch_size", BATCH_SIZE);
        run.put("image_scale", List.of(LONG_EDGE, SHORT_EDGE));
        run.put("train_images", train.images().size());
        run.put("val_images", valCoco.images().size());
        run.put("classes", train.categories().size());
        run.put("final_loss", result.finalLoss());
        run.put("model", config.toString());
        run.put("data_seconds", dataSeconds);
        run.put("train_seconds", trainSeconds);
        run.put("eval_seconds", evalSeconds);
        run.put("total_seconds", seconds(start));
        DemoReport.write(s.out(), new DemoReport.Inputs(result.history(), summaries, trainStats, valCoco, files.valImages(),
                cocoDets.perImage(), cocoDets.results(), IMAGES_TO_DRAW, run));

        Map<String, Double> figures = new LinkedHashMap<>();
        summaries.forEach((p, sum) -> sum.headline().forEach((k, v) -> figures.put(p.name().toLowerCase() + "_" + k, v)));
        console.println();
        console.println(summaries.get(Evaluation.Protocol.COCO).summaryText());
        console.println(summaries.get(Evaluation.Protocol.LVIS).summaryText());
        console.printf("shapes-lt val: COCO AP %.3f  AP50 %.3f  AP75 %.3f | LVIS AP %.3f  APr %.3f  APc %.3f  APf %.3f%n",
                figures.getOrDefault("coco_AP", Double.NaN), figures.getOrDefault("coco_AP50", Double.NaN),
                figures.getOrDefault("coco_AP75", Double.NaN), figures.getOrDefault("lvis_AP", Double.NaN),
                figures.getOrDefault("lvis_APr", Double.NaN), figures.getOrDefault("lvis_APc", Double.NaN),
                figures.getOrDefault("lvis_APf", Double.NaN));
        console.printf("time: data %.0f s, training %.0f s (%d iterations), evaluation %.0f s, total %.0f s%n",
                dataSeconds, trainSeconds, iterations, evalSeconds, seconds(start));
        console.println("report: " + s.out().toAbsolutePath());
        console.flush();
        return figures;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
