package io.github.retina4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Embedding a trained model" code block, taken verbatim from README.md, compiled and run
 * through JShell against a tiny RetinaNet model file (only the two file paths are replaced).
 */
class ReadmeEmbeddingExampleTest {

    static final Path README = Path.of("..", "README.md");
    static final String MODEL_PATH = "runs/demo/model.zip";
    static final String IMAGE_PATH = "image.png";

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
    void compilesAndRunsAgainstAModelFile(@TempDir Path tmp) throws IOException {
        Path model = TinyRetinaNet.write(tmp.resolve("model.zip"));
        Path image = tmp.resolve("image.png");
        ImageIO.write(new BufferedImage(80, 64, BufferedImage.TYPE_INT_RGB), "png", image.toFile());
        String code = embeddingExample();
        assertTrue(code.contains("\"" + MODEL_PATH + "\"") && code.contains("\"" + IMAGE_PATH + "\""), code);
        code = code.replace("\"" + MODEL_PATH + "\"", "\"" + model + "\"").replace("\"" + IMAGE_PATH + "\"", "\"" + image + "\"");

        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
        PrintStream realOut = System.out;
        try (JShell shell = JShell.builder().executionEngine("local").out(out).err(out).build()) {
            String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
            for (String e : cp.split(File.pathSeparator)) {
                if (!e.isBlank()) shell.addToClasspath(e);
            }
            System.setOut(out); // the local engine prints to this JVM's System.out
            SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
            String remaining = code;
            while (!remaining.isBlank()) {
                SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
                for (SnippetEvent ev : shell.eval(info.source())) {
                    if (ev.status() == Snippet.Status.REJECTED) {
                        fail("README example does not compile: " + shell.diagnostics(ev.snippet())
                                .map(d -> d.getMessage(null)).collect(Collectors.joining("; ")) + "\n" + info.source());
                    }
                    if (ev.exception() != null) {
                        fail("README example threw " + ev.exception());
                    }
                }
                remaining = info.remaining();
            }
        } finally {
            System.setOut(realOut);
        }
        // an untrained model with score threshold 0 prints detections "name score [x1, y1, x2, y2]"
        String printed = console.toString(StandardCharsets.UTF_8);
        java.util.List<String> lines = printed.lines().filter(l -> !l.isBlank()).toList();
        assertTrue(lines.size() >= 1 && lines.size() <= 100, printed);
        for (String l : lines) {
            assertTrue(l.matches("(circle|square) \\d\\.\\d\\d \\[\\d+, \\d+, \\d+, \\d+\\]"), "unexpected line: " + l);
        }
    }
}
