package io.github.retina4j.train.experiment;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.data.transform.KeepRatioResize;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.inference.ImageDetections;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.train.CheckpointStore;
import io.github.retina4j.train.DetectorSetup;
import io.github.retina4j.train.ImageSampling;
import io.github.retina4j.train.LossPoint;
import io.github.retina4j.train.OptimizerRecipe;
import io.github.retina4j.train.Recipe;
import io.github.retina4j.train.Trainer;
import io.github.retina4j.train.TrainerConfig;
import io.github.retina4j.train.TrainingData;
import io.github.retina4j.train.TrainingProgress;
import io.github.retina4j.train.TrainingResult;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Trains and evaluates an experiment's grid of methods × seeds and writes {@code results.json}; the library entry of
 * {@code retina4j experiment}.
 *
 * <p>Resumable: each run has a folder {@code runs/<method>-s<seed>/} whose {@code record.json} is written atomically
 * when the run is done, and a finished run is never repeated. An interrupted run continues from its last checkpoint
 * ({@link Trainer} resume: same data order and optimiser state), or, if its training had finished, from its saved model.
 * {@code experiment.json} holds the settings the runs depend on (data, iterations, sizes); an output folder with other
 * settings is refused. Methods and seeds can be added to a grid later.
 *
 * <p>Order: seed by seed, so that an interrupted experiment has whole seeds; within a seed the training methods come
 * first, in the configuration's order, then the evaluation-only ones.
 *
 * <pre>{@code
 * ExperimentConfig config = ExperimentConfig.read(Path.of("config.json"));
 * List<RunRecord> runs = new ExperimentRunner(config, Path.of("."), Path.of("runs/exp1"))
 *         .console(new PrintWriter(System.out, true)).run();
 * ExperimentSummary summary = ExperimentSummary.of(runs, config);
 * }</pre>
 */
public final class ExperimentRunner {

    public static final String RESULTS_FILE = "results.json";
    public static final String SETTINGS_FILE = "experiment.json";
    public static final String RUNS_DIR = "runs";
    public static final String RECORD_FILE = "record.json";
    public static final String MODEL_FILE = "model.zip";
    public static final String TRAINING_FILE = "training.json";
    public static final String TRAIN_DIR = "train";
    /** Where shapes-lt is generated unless the configuration says. */
    public static final String SHAPES_LT_DIR = "shapes-lt";

    private final ExperimentConfig config;
    private final Path baseDir;
    private final Path out;
    private PrintWriter console = new PrintWriter(OutputStream.nullOutputStream());
    private Supplier<TrainingProgress> trainingProgress;
    private Consumer<List<RunRecord>> afterEachRun = records -> { };

    /**
     * @param config  the experiment
     * @param baseDir folder that relative dataset paths of the configuration are relative to (the file's folder)
     * @param out     output folder (created; reused to resume)
     */
    public ExperimentRunner(ExperimentConfig config, Path baseDir, Path out) {
        this.config = Objects.requireNonNull(config, "config");
        this.baseDir = Objects.requireNonNull(baseDir, "baseDir");
        this.out = Objects.requireNonNull(out, "out");
    }

    /** Where the one line per run (and the start and end lines) go. */
    public ExperimentRunner console(PrintWriter w) {
        this.console = Objects.requireNonNull(w);
        return this;
    }

    /** A fresh progress receiver for each training run (e.g. a progress bar), or null for none. */
    public ExperimentRunner trainingProgress(Supplier<TrainingProgress> p) {
        this.trainingProgress = p;
        return this;
    }

    /** Called with the records done so far (grid order) after each run, e.g. to refresh a report. */
    public ExperimentRunner afterEachRun(Consumer<List<RunRecord>> c) {
        this.afterEachRun = Objects.requireNonNull(c);
        return this;
    }

    /** One run of the grid. */
    public record Cell(Method method, long seed) {
        /** Folder name: {@code <method>-s<seed>}. */
        public String dirName() {
            return method.name().replaceAll("[^A-Za-z0-9._+-]", "_") + "-s" + seed;
        }
    }

    /** The grid in run order. */
    public List<Cell> cells() {
        List<Method> methods = config.resolvedMethods();
        List<Cell> cells = new ArrayList<>();
        for (long seed : config.seeds()) {
            methods.stream().filter(Method::trains).forEach(m -> cells.add(new Cell(m, seed)));
            methods.stream().filter(m -> !m.trains()).forEach(m -> cells.add(new Cell(m, seed)));
        }
        return cells;
    }

    /** The data of the experiment, read and checked. */
    public record Data(CocoDataset train, Path trainImages, CocoDataset valCoco, CocoDataset valLvis, Path valImages,
                       String description) {
    }

    /**
     * Runs every run of the grid not done yet and returns all records in grid order; {@code results.json} is rewritten
     * after each run. Everything that can be checked (output folder settings, data, LVIS frequencies) is checked before
     * the first training starts.
     */
    public List<RunRecord> run() {
        checkSettings();
        Data data = prepareData();
        writeSettings();
        List<Cell> cells = cells();
        Map<Cell, RunRecord> done = new LinkedHashMap<>();
        for (Cell c : cells) {
            readRecord(c).ifPresent(r -> done.put(c, r));
        }
        console.printf("experiment: %d runs (%d methods x %d seeds), %d done earlier; %s; %d iterations of %d images at %d px; "
                        + "output %s%n", cells.size(), config.methods().size(), config.seeds().size(), done.size(),
                data.description(), config.iterations(), config.batchSize(), config.imageSize(), out);
        console.flush();
        long start = System.nanoTime();
        for (int i = 0; i < cells.size(); i++) {
            Cell c = cells.get(i);
            RunRecord r = done.get(c);
            String prefix = String.format("[%d/%d] %s seed %d", i + 1, cells.size(), c.method().name(), c.seed());
            if (r != null) {
                console.println(prefix + ": done earlier | " + figures(r));
            } else {
                long t0 = System.nanoTime();
                r = runCell(c, data);
                done.put(c, r);
                writeResults(cells, done);
                afterEachRun.accept(cells.stream().map(done::get).filter(Objects::nonNull).toList());
                console.printf("%s: %.0f s (training %.0f s, evaluation %.0f s) | %s%n", prefix, (System.nanoTime() - t0) / 1e9,
                        c.method().trains() ? r.trainSeconds() : 0.0, r.evalSeconds(), figures(r));
            }
            console.flush();
        }
        writeResults(cells, done);
        console.printf("experiment done: %d runs, %.0f s; %s%n", done.size(), (System.nanoTime() - start) / 1e9,
                out.resolve(RESULTS_FILE));
        console.flush();
        return cells.stream().map(done::get).toList();
    }

    /** COCO AP, AP50, AP75 and LVIS AP, APr, APc, APf of a record, in percent. */
    static String figures(RunRecord r) {
        StringBuilder sb = new StringBuilder("COCO");
        for (String m : RunRecord.COCO_METRICS) {
            sb.append(String.format(Locale.ROOT, " %s %.1f", m, 100 * r.metric("coco." + m)));
        }
        sb.append(" | LVIS");
        for (String m : RunRecord.LVIS_METRICS) {
            sb.append(String.format(Locale.ROOT, " %s %.1f", m, 100 * r.metric("lvis." + m)));
        }
        return sb.toString();
    }

    // ---- output folder ------------------------------------------------------------------------------------------

    private void checkSettings() {
        Path f = out.resolve(SETTINGS_FILE);
        if (!Files.isRegularFile(f)) {
            return;
        }
        JsonNode recorded;
        try {
            recorded = ExperimentConfig.JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage(), e);
        }
        JsonNode now = config.runSettings();
        if (!recorded.equals(now)) {
            List<String> differ = new ArrayList<>();
            recorded.fieldNames().forEachRemaining(k -> {
                if (!Objects.equals(recorded.get(k), now.get(k))) differ.add(k);
            });
            now.fieldNames().forEachRemaining(k -> {
                if (!recorded.has(k)) differ.add(k);
            });
            throw new IllegalArgumentException(out + " holds runs of other settings (" + String.join(", ", differ)
                    + " differ from " + f.getFileName() + "); use another output folder");
        }
    }

    private void writeSettings() {
        try {
            writeAtomically(out.resolve(SETTINGS_FILE), ExperimentConfig.JSON.writeValueAsString(config.runSettings()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out.resolve(SETTINGS_FILE) + ": " + e.getMessage(), e);
        }
    }

    private Path cellDir(Cell c) {
        return out.resolve(RUNS_DIR).resolve(c.dirName());
    }

    private Optional<RunRecord> readRecord(Cell c) {
        Path f = cellDir(c).resolve(RECORD_FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            RunRecord r = ExperimentConfig.JSON.readValue(f.toFile(), RunRecord.class);
            if (!r.method().equals(c.method().name()) || r.seed() != c.seed()) {
                throw new IllegalArgumentException(f + " records " + r.method() + " seed " + r.seed() + ", not "
                        + c.method().name() + " seed " + c.seed());
            }
            return Optional.of(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private void writeResults(List<Cell> cells, Map<Cell, RunRecord> done) {
        List<RunRecord> records = cells.stream().map(done::get).filter(Objects::nonNull).toList();
        Path f = out.resolve(RESULTS_FILE);
        try {
            writeAtomically(f, ExperimentConfig.JSON.writeValueAsString(records));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code results.json} of an output folder. */
    public static List<RunRecord> readResults(Path outDir) {
        Path f = outDir.resolve(RESULTS_FILE);
        try {
            return ExperimentConfig.JSON.readValue(f.toFile(), new TypeReference<List<RunRecord>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    /** Writes a file through a temporary one renamed into place, so that readers never see a partial file. */
    static void writeAtomically(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    // ---- data ---------------------------------------------------------------------------------------------------

    /** Generates or reads the data and checks it: images and classes, the same classes in both splits, LVIS frequencies. */
    public Data prepareData() {
        ExperimentConfig.DatasetConfig d = config.dataset();
        CocoJsonReader reader = CocoJsonReader.strict();
        Data data;
        if (d.generatesShapesLt()) {
            Path dir = d.dir() != null ? baseDir.resolve(d.dir()) : out.resolve(SHAPES_LT_DIR);
            var shapes = d.shapesLt().toConfig();
            ShapesLtFiles files = ShapesLtFiles.ensure(shapes, dir);
            data = new Data(reader.read(files.trainCoco()), files.trainImages(), reader.read(files.valCoco()),
                    reader.read(files.valLvis()), files.valImages(), "shapes-lt (" + shapes.numClasses() + " classes, "
                    + shapes.trainImages() + " train / " + shapes.valImages() + " val images, seed " + shapes.seed() + ")");
        } else {
            Path trainAnn = existingFile(baseDir.resolve(d.trainAnnotations()), "dataset.train_annotations");
            Path trainImages = existingDir(baseDir.resolve(d.trainImageDir()), "dataset.train_image_dir");
            Path valAnn = existingFile(baseDir.resolve(d.valAnnotations()), "dataset.val_annotations");
            Path valImages = existingDir(baseDir.resolve(d.valImageDir()), "dataset.val_image_dir");
            CocoDataset val = reader.read(valAnn);
            data = new Data(reader.read(trainAnn), trainImages, val, val, valImages, trainAnn.getFileName() + " / " + valAnn.getFileName());
        }
        if (data.train().images().isEmpty() || data.train().categories().isEmpty()) {
            throw new IllegalArgumentException("dataset: the training annotations have no images or no categories");
        }
        if (data.valCoco().images().isEmpty()) {
            throw new IllegalArgumentException("dataset: the validation annotations have no images");
        }
        if (!data.train().categoryMapping().equals(data.valLvis().categoryMapping())
                || !data.train().categoryMapping().equals(data.valCoco().categoryMapping())) {
            throw new IllegalArgumentException("dataset: the training and validation annotations have different categories");
        }
        List<String> noFrequency = data.valLvis().categories().stream().filter(c -> c.frequency() == null)
                .map(Category::name).toList();
        if (!noFrequency.isEmpty()) {
            throw new IllegalArgumentException("dataset: the validation annotations have no frequency information for the LVIS "
                    + "metrics (APr, APc, APf need each category's 'frequency': r, c or f); missing for " + noFrequency.size()
                    + " of " + data.valLvis().categories().size() + " categories, e.g. '" + noFrequency.get(0) + "'");
        }
        return data;
    }

    private static Path existingFile(Path p, String key) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(key + ": file not found: " + p);
        }
        return p;
    }

    private static Path existingDir(Path p, String key) {
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException(key + ": folder not found: " + p);
        }
        return p;
    }

    // ---- one run ------------------------------------------------------------------------------------------------

    /** What a finished training leaves besides the model (read back when a run resumes after its training). */
    record TrainingInfo(@JsonProperty("iteration") int iteration, @JsonProperty("seconds") double seconds,
                        @JsonProperty("final_loss") double finalLoss) {
    }

    private RunRecord runCell(Cell c, Data data) {
        Method method = c.method();
        if (method.trains()) {
            Trained t = train(c, data);
            return evaluate(c, data, t, ModelMetadata::withPostprocessing);
        }
        Cell base = new Cell(Methods.get(method.trainedBy()), c.seed());
        Path model = cellDir(base).resolve(MODEL_FILE);
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException(method.name() + " seed " + c.seed() + ": the model of " + base.method().name()
                    + " seed " + c.seed() + " is missing (" + model + ")");
        }
        ModelFile.Loaded loaded = ModelFile.load(model, false);
        TrainingInfo info = readTrainingInfo(cellDir(base));
        Trained t = new Trained(loaded.graph(), loaded.metadata(), info);
        return evaluate(c, data, t, (m, p) -> method.postHoc().apply(m.withPostprocessing(p), data.train()));
    }

    private record Trained(ComputationGraph graph, ModelMetadata metadata, TrainingInfo info) {
    }

    /** The preset's recipe with mmdetection's warm-up and steps compressed into the run, as the demo trains. */
    static Recipe schedule(Recipe r, int iterations) {
        OptimizerRecipe o = r.optimizer();
        int warmup = Math.max(1, iterations / 10);
        int[] steps = IntStream.of(iterations * 8 / 10, iterations * 19 / 20).filter(v -> v > warmup).distinct().toArray();
        return r.withOptimizer(o.withWarmup(warmup, o.warmupRatio()).withSteps(steps, o.gamma()));
    }

    private Trained train(Cell c, Data data) {
        Path dir = cellDir(c);
        Path modelFile = dir.resolve(MODEL_FILE);
        int iterations = config.iterations();
        TrainingPlan plan = c.method().training();
        DetectorSetup.Choice choice = plan.choice(config.backbone());
        Recipe recipe = plan.recipe().apply(schedule(choice.recipe(), iterations));
        RetinaNetConfig rc = plan.network().apply(
                DetectorSetup.config(choice, recipe, data.train(), config.batchSize(), iterations, c.seed()));
        ModelMetadata metadata = DetectorSetup.metadata(data.train(), rc, config.imageSize(), config.imageSize());
        if (Files.isRegularFile(modelFile)) {
            ModelFile.Loaded loaded = ModelFile.load(modelFile, false);
            return new Trained(loaded.graph(), loaded.metadata(), readTrainingInfo(dir));
        }
        Path runDir = dir.resolve(TRAIN_DIR);
        CheckpointStore store = new CheckpointStore(runDir.resolve(Trainer.CHECKPOINT_DIR), 1);
        Optional<CheckpointStore.Checkpoint> latest = store.latest();
        ComputationGraph graph;
        TrainingInfo info;
        if (latest.isPresent() && latest.get().iteration() >= iterations) {
            // the training had finished; the run stopped before its model was saved
            graph = latest.get().readModel();
            info = readTrainingInfo(dir);
        } else {
            double before = latest.isPresent() ? readTrainingInfo(dir).seconds() : 0;
            TrainerConfig tc = TrainerConfig.of(recipe, runDir, iterations, c.seed())
                    .withCheckpointEvery(config.checkpointEvery()).withResume(latest.isPresent());
            tc = new TrainerConfig(tc.runDir(), tc.iterations(), tc.checkpointEvery(), 1, tc.logEvery(), tc.maxGradNorm(),
                    tc.seed(), tc.resume(), null, 1);
            TimeKeeper time = new TimeKeeper(dir.resolve(TRAINING_FILE), before);
            double rfsThreshold = config.rfsThreshold() != null ? config.rfsThreshold()
                    : Math.min(1, ExperimentConfig.RFS_REPEATED_BELOW_IMAGES / data.train().images().size());
            ImageSampling sampling = switch (plan.sampling()) {
                case SHUFFLE -> ImageSampling.uniform();
                case REPEAT_FACTOR -> ImageSampling.rfs(rfsThreshold);
                case CLASS_AWARE -> ImageSampling.classAware();
            };
            TrainingResult result;
            try (TrainingData.CloseableIterator it = TrainingData.iterator(data.train(), data.trainImages(), rc,
                    recipe.targetEncoder(rc, c.seed()), config.batchSize(), config.imageSize(), config.imageSize(), c.seed(),
                    sampling, 1)) {
                final ModelMetadata m = metadata;
                Trainer trainer = new Trainer(RetinaNet.build(rc), it, tc)
                        .modelWriter((g, f) -> ModelFile.save(g, m, f, true)).addProgress(time);
                if (trainingProgress != null) {
                    TrainingProgress p = trainingProgress.get();
                    if (p != null) {
                        trainer.addProgress(p);
                    }
                }
                result = trainer.train();
            }
            graph = result.graph();
            info = new TrainingInfo(iterations, time.seconds(), result.finalLoss());
        }
        try {
            writeAtomically(dir.resolve(TRAINING_FILE), ExperimentConfig.JSON.writeValueAsString(info));
            ModelFile.save(graph, metadata, modelFile, false);
            // the model file is the run's result; the checkpoints (with optimiser state) are no longer needed
            deleteRecursively(store.dir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model of " + c.method().name() + " seed " + c.seed() + " in "
                    + dir + ": " + e.getMessage(), e);
        }
        return new Trained(graph, metadata, info);
    }

    /** Training wall time, summed over resumed invocations; written with every checkpoint. */
    private static final class TimeKeeper implements TrainingProgress {
        private final Path file;
        private final double before;
        private long start;
        private double lastLoss = Double.NaN;

        TimeKeeper(Path file, double before) {
            this.file = file;
            this.before = before;
        }

        @Override
        public void started(int fromIteration, int totalIterations) {
            start = System.nanoTime();
        }

        @Override
        public void iteration(LossPoint point, int totalIterations) {
            lastLoss = point.loss();
        }

        @Override
        public void checkpoint(int iteration, Path dir) {
            try {
                writeAtomically(file, ExperimentConfig.JSON.writeValueAsString(new TrainingInfo(iteration, seconds(), lastLoss)));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
            }
        }

        double seconds() {
            return before + (System.nanoTime() - start) / 1e9;
        }
    }

    /** The training's record; unknown figures (NaN) if the run stopped between its last checkpoint and this file. */
    private static TrainingInfo readTrainingInfo(Path cellDir) {
        Path f = cellDir.resolve(TRAINING_FILE);
        if (!Files.isRegularFile(f)) {
            return new TrainingInfo(0, Double.NaN, Double.NaN);
        }
        try {
            return ExperimentConfig.JSON.readValue(f.toFile(), TrainingInfo.class);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    /** Metadata for one protocol: the trained model's, with the protocol's post-processing (and a method's changes). */
    @FunctionalInterface
    private interface ForProtocol {
        ModelMetadata apply(ModelMetadata trained, PostProcessConfig protocol);
    }

    /**
     * Validation images per forward pass. One small image per pass spends most of its time in per-operation overhead
     * (thread hand-offs, costliest on a busy machine: 3.4x the time of batches on this project's 2 cores under load).
     */
    public static final int EVAL_BATCH = 8;

    /**
     * Detections of every image of {@code dataset}, in its order: images of the same network input size (resized and
     * padded as the model's preprocessing does) go through the graph together, up to {@value #EVAL_BATCH} at once, so
     * that no image is padded beyond its own input size and each one's detections are those of a pass on its own.
     */
    static List<ImageDetections> detectAll(Detector d, CocoDataset dataset, Path imageRoot) {
        return detectAll(d, dataset, imageRoot, List.of(d.metadata().postprocessing())).get(0);
    }

    /** {@link #detectAll(Detector, CocoDataset, Path)} under several post-processing settings from one forward pass. */
    static List<List<ImageDetections>> detectAll(Detector d, CocoDataset dataset, Path imageRoot,
                                                 List<PostProcessConfig> settings) {
        PreprocessConfig pre = d.metadata().preprocessing();
        Map<List<Integer>, List<ImageInfo>> bySize = new LinkedHashMap<>();
        for (ImageInfo i : dataset.images()) {
            KeepRatioResize.Geometry g = KeepRatioResize.geometry(i.width(), i.height(), pre.imageScale());
            bySize.computeIfAbsent(List.of(pre.padded(g.width()), pre.padded(g.height())), k -> new ArrayList<>()).add(i);
        }
        List<Map<Long, ImageDetections>> byId = new ArrayList<>();
        settings.forEach(s -> byId.add(new HashMap<>()));
        for (List<ImageInfo> group : bySize.values()) {
            for (int from = 0; from < group.size(); from += EVAL_BATCH) {
                List<ImageInfo> chunk = group.subList(from, Math.min(group.size(), from + EVAL_BATCH));
                List<List<ImageDetections>> dets = d.detect(chunk.stream().map(i -> imageRoot.resolve(i.resolvedFileName())).toList(),
                        chunk.stream().mapToLong(ImageInfo::id).toArray(), settings);
                for (int s = 0; s < settings.size(); s++) {
                    for (int k = 0; k < chunk.size(); k++) {
                        byId.get(s).put(chunk.get(k).id(), dets.get(s).get(k));
                    }
                }
            }
        }
        return byId.stream().map(m -> dataset.images().stream().map(i -> m.get(i.id())).toList()).toList();
    }

    private static boolean sameImages(CocoDataset a, CocoDataset b) {
        return a.images().stream().map(ImageInfo::id).toList().equals(b.images().stream().map(ImageInfo::id).toList());
    }

    private RunRecord evaluate(Cell c, Data data, Trained t, ForProtocol forProtocol) {
        long start = System.nanoTime();
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        Map<String, Double> coco = new LinkedHashMap<>();
        Map<String, Double> lvis = new LinkedHashMap<>();
        // one forward pass per batch, post-processed under both protocols; the method's metadata changes (such as
        // NorCal's scoring) do not depend on the protocol, only the post-processing settings do
        ModelMetadata forCoco = forProtocol.apply(t.metadata(), PostProcessConfig.coco());
        ModelMetadata forLvis = forProtocol.apply(t.metadata(), PostProcessConfig.lvis());
        if (!sameImages(data.valCoco(), data.valLvis()) || !forCoco.withPostprocessing(forLvis.postprocessing()).equals(forLvis)) {
            throw new IllegalStateException("the COCO and LVIS validation sets must list the same images, and a method may"
                    + " change the metadata only through its post-processing settings");
        }
        try (Detector d = new Detector(t.graph(), forCoco, 1)) {
            List<List<ImageDetections>> dets = detectAll(d, data.valCoco(), data.valImages(),
                    List.of(forCoco.postprocessing(), forLvis.postprocessing()));
            EvaluationSummary sc = Evaluation.evaluate(data.valCoco(), ImageDetections.toResults(dets.get(0)),
                    Evaluation.Protocol.COCO, threads);
            RunRecord.COCO_METRICS.forEach(m -> coco.put(m, sc.headline().get(m)));
            EvaluationSummary sl = Evaluation.evaluate(data.valLvis(), ImageDetections.toResults(dets.get(1)),
                    Evaluation.Protocol.LVIS, threads);
            RunRecord.LVIS_METRICS.forEach(m -> lvis.put(m, sl.headline().get(m)));
        }
        double evalSeconds = (System.nanoTime() - start) / 1e9;
        RunRecord r = new RunRecord(c.method().name(), c.seed(), config.iterations(), t.info().seconds(), evalSeconds,
                t.info().finalLoss(), c.method().modelsOf(), coco, lvis);
        try {
            writeAtomically(cellDir(c).resolve(RECORD_FILE), ExperimentConfig.JSON.writeValueAsString(r));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + cellDir(c).resolve(RECORD_FILE) + ": " + e.getMessage(), e);
        }
        return r;
    }
}
