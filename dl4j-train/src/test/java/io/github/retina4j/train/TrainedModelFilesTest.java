package io.github.retina4j.train;

import io.github.retina4j.testsupport.ExactArrays;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.models.inference.Detection;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.inference.ImageDetections;
import io.github.retina4j.models.inference.ImagePreprocessor;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Model files of every optimiser {@code retina4j train} offers load and detect through dl4j-models'
 * {@link Detector}, in this JVM and in a plain JVM whose class path is dl4j-models' runtime class path plus an
 * ND4J backend (no dl4j-train, no command line tool): the schedule and updater classes a trained graph names
 * live in dl4j-models.
 */
class TrainedModelFilesTest {

    /** Short runs: the point is which classes the saved configuration names, not what the model learnt. */
    private static final int ITERATIONS = 2;
    /** Set by the pom: folder with dl4j-models' runtime.txt and backend.txt class paths (written by Maven). */
    private static final String CLASSPATH_DIR_PROPERTY = "retina4j.models.classpath.dir";

    @TempDir
    static Path dir;
    private static TinyDetector.Data data;
    /** Model files by name, in training order. */
    private static final Map<String, Path> MODELS = new LinkedHashMap<>();
    private static final Map<String, ComputationGraph> TRAINED = new LinkedHashMap<>();
    private static final Map<String, String> UPDATER_CLASS = new LinkedHashMap<>();

    @BeforeAll
    static void trainOneModelPerOptimiser() throws IOException {
        data = TinyDetector.data(dir.resolve("data"));
        for (TinyDetector.Optimizer o : TinyDetector.Optimizer.values()) {
            train("retinanet", o);
        }
        // Libra RetinaNet adds the balanced feature pyramid's vertices and the balanced L1 loss
        train("libra", TinyDetector.Optimizer.SGD);
        // PISA (--pisa): one joint output and dl4j-losses' PisaLoss
        train("retinanet", TinyDetector.Optimizer.ADAM, true);
    }

    private static void train(String model, TinyDetector.Optimizer optimizer) throws IOException {
        train(model, optimizer, false);
    }

    private static void train(String model, TinyDetector.Optimizer optimizer, boolean pisa) throws IOException {
        String name = model + "-" + optimizer.name().toLowerCase(Locale.ROOT) + (pisa ? "-pisa" : "");
        RetinaNetConfig config = TinyDetector.config(data, model, optimizer.updater(ITERATIONS));
        if (pisa) {
            config = DetectorSetup.pisa(config);
        }
        Path run = dir.resolve(name);
        TrainingResult result;
        try (TrainingData.CloseableIterator it = TinyDetector.iterator(data, config)) {
            result = TinyDetector.trainer(data, config, it, TinyDetector.trainerConfig(run, ITERATIONS, ITERATIONS)).train();
        }
        assertEquals(ITERATIONS, result.history().size());
        // as retina4j train writes its final model: with metadata, without the updater state
        Path file = run.resolve("model.zip");
        ModelFile.save(result.graph(), TinyDetector.metadata(data, config), file, false);
        MODELS.put(name, file);
        TRAINED.put(name, result.graph());
        UPDATER_CLASS.put(name, optimizer.updater(ITERATIONS).getClass().getName());
    }

    @Test
    void eachOptimiserTrainsSavesLoadsAndDetects() throws IOException {
        Path image = data.someImage();
        int width = ImageIO.read(image.toFile()).getWidth();
        int height = ImageIO.read(image.toFile()).getHeight();
        for (Map.Entry<String, Path> m : MODELS.entrySet()) {
            String name = m.getKey();
            // the configuration names the optimiser's classes, so loading it below exercises them
            String json = configurationJson(m.getValue());
            assertTrue(json.contains("\"" + UPDATER_CLASS.get(name) + "\""), name + " names " + UPDATER_CLASS.get(name));
            assertTrue(json.contains("\"io.github.retina4j.models.optimize.WarmupStepSchedule\""), name + " names the schedule");
            try (Detector detector = Detector.load(m.getValue())) {
                assertEquals(data.train().categoryMapping(), detector.metadata().categories(), name);
                // the file holds the trained weights: same outputs as the graph that was trained
                INDArray[] loaded = PlainJvmDetection.outputs(detector, image);
                INDArray[] trained = TRAINED.get(name).output(false, preprocessed(detector, image));
                for (int i = 0; i < loaded.length; i++) {
                    ExactArrays.assertIdentical(name + " output " + i, trained[i], loaded[i]);
                }
                detector.detect(image); // the metadata's own (COCO) post-processing runs
                ImageDetections low = PlainJvmDetection.detections(detector, image);
                assertFalse(low.detections().isEmpty(), name + ": no detections above 0.0001");
                for (Detection d : low.detections()) {
                    assertTrue(d.x1() >= 0 && d.y1() >= 0 && d.x2() <= width && d.y2() <= height && d.x1() <= d.x2()
                            && d.y1() <= d.y2(), name + ": box outside the image: " + d);
                    assertEquals(data.train().categoryMapping().toCategoryId(d.classIndex()), d.categoryId(), name);
                }
            }
        }
        // the checkpoints the trainer wrote are model files too (with the updater state, for resuming)
        Path checkpoint = new CheckpointStore(MODELS.get("retinanet-sgd").getParent().resolve(Trainer.CHECKPOINT_DIR), 1)
                .latest().orElseThrow().modelFile();
        try (Detector detector = Detector.load(checkpoint)) {
            assertEquals(data.train().categoryMapping(), detector.metadata().categories());
        }
    }

    /**
     * A child JVM, {@code java -cp <dl4j-models' classes, its runtime class path, the backend> PlainJvmDetection},
     * loads every model file and detects; its outputs and detections must equal this JVM's exactly.
     *
     * <p>The class path comes from Maven's own resolution of dl4j-models (its pom writes runtime.txt and
     * backend.txt), not from filtering this JVM's class path: this module's dependencies are a superset of
     * dl4j-models', and whatever dl4j-train adds must not be what makes a model file loadable.
     */
    @Test
    void modelFilesLoadInAJvmWithOnlyDl4jModelsAndABackend() throws Exception {
        Path probeDir = copyProbeClass(dir.resolve("probe-classes"));
        Set<String> classPath = new LinkedHashSet<>();
        classPath.add(probeDir.toString());
        classPath.add(codeSource(ModelFile.class).toString());
        classPath.addAll(readClassPath("runtime.txt"));
        classPath.addAll(readClassPath("backend.txt"));
        String trainClasses = codeSource(Trainer.class).toString();
        assertFalse(classPath.contains(trainClasses), "dl4j-train's classes are not on the child's class path");

        Path out = Files.createDirectories(dir.resolve("child-out"));
        Path image = data.someImage();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-cp", String.join(File.pathSeparator, classPath), PlainJvmDetection.class.getName(),
                out.toString(), image.toString(), Trainer.class.getName() + "," + TrainerConfig.class.getName()));
        MODELS.values().forEach(p -> command.add(p.toString()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] log;
        try (InputStream in = child.getInputStream()) {
            log = in.readAllBytes();
        }
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        String childLog = new String(log, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), "child JVM failed:\n" + childLog);

        int k = 0;
        for (Map.Entry<String, Path> m : MODELS.entrySet()) {
            String name = m.getKey();
            try (Detector detector = Detector.load(m.getValue(), 1)) {
                INDArray[] here = PlainJvmDetection.outputs(detector, image);
                for (int i = 0; i < here.length; i++) {
                    INDArray there = Nd4j.readBinary(out.resolve(k + ".out" + i).toFile());
                    ExactArrays.assertIdentical(name + " output " + i + " in the child JVM", here[i], there);
                }
                String detections = PlainJvmDetection.format(PlainJvmDetection.detections(detector, image));
                assertFalse(detections.isEmpty(), name);
                assertEquals(detections, Files.readString(out.resolve(k + ".txt")), name + " detections in the child JVM");
            }
            k++;
        }
    }

    private static INDArray preprocessed(Detector detector, Path image) {
        return new ImagePreprocessor(detector.metadata().preprocessing())
                .preprocessFiles(List.of(image), new long[] {0}).images();
    }

    private static String configurationJson(Path modelFile) throws IOException {
        try (ZipFile zip = new ZipFile(modelFile.toFile()); InputStream in = zip.getInputStream(zip.getEntry("configuration.json"))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static List<String> readClassPath(String file) throws IOException {
        String folder = System.getProperty(CLASSPATH_DIR_PROPERTY);
        assertTrue(folder != null, "system property " + CLASSPATH_DIR_PROPERTY + " is not set (run the tests through Maven)");
        Path p = Path.of(folder, file);
        assertTrue(Files.isRegularFile(p), p + " is missing: build dl4j-models in the same reactor (mvn -pl dl4j-train -am ...)");
        List<String> entries = Arrays.stream(Files.readString(p).trim().split(File.pathSeparator)).filter(s -> !s.isBlank()).toList();
        for (String e : entries) {
            assertTrue(Files.exists(Path.of(e)), p + " lists " + e + ", which does not exist");
        }
        return entries;
    }

    private static Path codeSource(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** The probe's class files alone, so that none of this module's other classes is visible to the child. */
    private static Path copyProbeClass(Path target) throws IOException, URISyntaxException {
        String pkg = PlainJvmDetection.class.getPackageName().replace('.', '/');
        Path source = codeSource(PlainJvmDetection.class).resolve(pkg);
        Path dest = Files.createDirectories(target.resolve(pkg));
        String simple = PlainJvmDetection.class.getSimpleName();
        try (var files = Files.list(source)) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals(simple + ".class")
                    || f.getFileName().toString().startsWith(simple + "$")).toList()) {
                Files.copy(f, dest.resolve(f.getFileName()));
            }
        }
        return target;
    }
}
