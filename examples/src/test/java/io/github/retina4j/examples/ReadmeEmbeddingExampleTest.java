package io.github.retina4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.models.inference.Detection;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.ModelFile;
import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Embedding a trained model" code block, taken verbatim from README.md (only the two file paths are
 * replaced), compiled and run in a separate JVM against a model that {@link TrainRetinaNetOnShapesLt} trained and
 * saved. That JVM's class path is what the README says an application needs: {@code dl4j-models}, its dependencies
 * and a backend, without the training, evaluation, report or example classes, so a saved graph that names a class
 * from one of those (a schedule, an updater) fails here.
 */
class ReadmeEmbeddingExampleTest {

    static final Path README = Path.of("..", "README.md");
    static final String MODEL_PATH = "runs/demo/model.zip";
    static final String IMAGE_PATH = "image.png";
    /** Retina4j modules an application that only detects does not have. */
    static final Set<String> NOT_EMBEDDED = Set.of("dl4j-train", "dl4j-eval", "retina4j-report", "retina4j-cli", "examples");

    static String embeddingExample() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        int section = readme.indexOf("## Embedding a trained model");
        assertTrue(section >= 0, "README has no embedding section");
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme.substring(section));
        assertTrue(m.find(), "no java block in the embedding section");
        return m.group(1);
    }

    @Test
    void isAtMostTenLinesOfCode() throws IOException {
        long lines = embeddingExample().lines().filter(l -> !l.isBlank() && !l.strip().startsWith("import ")).count();
        assertTrue(lines <= 10, "embedding example has " + lines + " lines");
    }

    @Test
    void runsOnATrainedModelWithDl4jModelsAlone(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        Console.capture(() -> TrainRetinaNetOnShapesLt.main(TinyRun.args(run)));
        // a score threshold of 0 keeps every candidate, so the barely trained model prints lines to compare
        ModelFile.Loaded trained = ModelFile.load(run.resolve("model.zip"), false);
        Path model = tmp.resolve("model.zip");
        ModelFile.save(trained.graph(), trained.metadata().withPostprocessing(PostProcessConfig.coco().withScoreThreshold(0)),
                model, false);
        Path image;
        try (var images = Files.list(run.resolve("shapes-lt/val"))) {
            image = images.sorted().findFirst().orElseThrow();
        }

        String code = embeddingExample();
        assertTrue(code.contains("\"" + MODEL_PATH + "\"") && code.contains("\"" + IMAGE_PATH + "\""), code);
        code = code.replace("\"" + MODEL_PATH + "\"", "\"" + model + "\"").replace("\"" + IMAGE_PATH + "\"", "\"" + image + "\"");
        String imports = code.lines().filter(l -> l.startsWith("import ")).collect(Collectors.joining("\n"));
        String body = code.lines().filter(l -> !l.startsWith("import ")).collect(Collectors.joining("\n"));
        Path source = tmp.resolve("Embedding.java");
        Files.writeString(source, imports + "\n\npublic class Embedding {\n    public static void main(String[] args) throws Exception {\n"
                + body + "\n    }\n}\n");

        List<String> classPath = embeddingClassPath();
        try (URLClassLoader app = new URLClassLoader(urls(classPath), ClassLoader.getPlatformClassLoader())) {
            assertNotNull(app.getResource("io/github/retina4j/models/inference/Detector.class"), "no dl4j-models");
            assertNull(app.getResource("io/github/retina4j/train/Trainer.class"), "dl4j-train is on the class path");
            assertNull(app.getResource("io/github/retina4j/eval/Evaluation.class"), "dl4j-eval is on the class path");
        }
        Path stdout = tmp.resolve("stdout.txt");
        Path stderr = tmp.resolve("stderr.txt");
        Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", String.join(File.pathSeparator, classPath), source.toString())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        assertTrue(java.waitFor(180, TimeUnit.SECONDS), "the embedding program did not finish in 180 s");
        String printed = Files.readString(stdout);
        assertEquals(0, java.exitValue(), "the embedding program failed:\n" + printed + Files.readString(stderr));

        // what it printed is what the detector gives in this JVM, line by line
        List<String> expected = new ArrayList<>();
        try (Detector detector = Detector.load(model, 1)) {
            for (Detection d : detector.detect(image).detections()) {
                expected.add(String.format("%s %.2f [%.0f, %.0f, %.0f, %.0f]", d.categoryName(), d.score(),
                        d.x1(), d.y1(), d.x2(), d.y2()));
            }
        }
        assertFalse(expected.isEmpty());
        assertEquals(expected, printed.lines().toList());
    }

    /**
     * This test's class path without {@link #NOT_EMBEDDED}: a reactor module is its {@code target/classes} folder or,
     * once packaged ({@code mvn verify}), its jar in {@code target/}; an installed one its jar under
     * {@code io/github/retina4j/<module>/}.
     */
    static List<String> embeddingClassPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> kept = new ArrayList<>();
        for (String entry : cp.split(File.pathSeparator)) {
            if (!entry.isBlank() && !NOT_EMBEDDED.contains(retina4jModule(Path.of(entry)))) {
                kept.add(entry);
            }
        }
        return kept;
    }

    private static String retina4jModule(Path entry) {
        Path p = entry.toAbsolutePath().normalize();
        Path parent = p.getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("target")
                && parent.getParent() != null) {
            return parent.getParent().getFileName().toString();   // <module>/target/classes or <module>/target/<jar>
        }
        String s = p.toString().replace(File.separatorChar, '/');
        int i = s.indexOf("/io/github/retina4j/");
        return i < 0 ? "" : s.substring(i + "/io/github/retina4j/".length()).split("/")[0];
    }

    private static URL[] urls(List<String> classPath) throws IOException {
        URL[] urls = new URL[classPath.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = Path.of(classPath.get(i)).toUri().toURL();
        }
        return urls;
    }
}
