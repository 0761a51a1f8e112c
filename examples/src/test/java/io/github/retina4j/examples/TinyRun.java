package io.github.retina4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.train.Trainer;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** Runs a training example at tiny size, checking what every training example writes. */
final class TinyRun {

    static final int ITERATIONS = 3;
    static final int VAL_IMAGES = 4;

    /** A training example's main. */
    interface Example {
        void main(String[] args) throws Exception;
    }

    /** What the example printed and the metrics it wrote. */
    record Outputs(String printed, JsonNode metrics) {
    }

    private TinyRun() {
    }

    /** 8 training and 4 validation images, 3 iterations of 2 images at 64 px, into {@code out}. */
    static String[] args(Path out) {
        return new String[] {"--out", out.toString(), "--train-images", "8", "--val-images", Integer.toString(VAL_IMAGES),
                "--iterations", Integer.toString(ITERATIONS), "--batch-size", "2", "--image-size", "64"};
    }

    /**
     * Runs {@code example} with {@link #args} and checks the training log (one line per iteration, finite positive
     * losses), the loss curve (a PNG) and that the model file and {@code metrics.json} exist.
     */
    static Outputs train(Example example, Path out) throws Exception {
        String printed = Console.capture(() -> example.main(args(out)));
        List<String> lines = Files.readAllLines(out.resolve("run").resolve(Trainer.LOG_FILE));
        assertEquals(ITERATIONS, lines.size(), lines.toString());
        ObjectMapper json = new ObjectMapper();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode point = json.readTree(lines.get(i));
            assertEquals(i + 1, point.get("iteration").asInt());
            assertTrue(Double.isFinite(point.get("loss").asDouble()) && point.get("loss").asDouble() > 0, lines.get(i));
        }
        assertPng(out.resolve("loss-curve.png"), 100, 100);
        assertTrue(Files.isRegularFile(out.resolve("model.zip")), "no model.zip");
        return new Outputs(printed, json.readTree(out.resolve("metrics.json").toFile()));
    }

    /** A PNG that decodes to a picture of at least {@code minWidth} × {@code minHeight}. */
    static BufferedImage assertPng(Path png, int minWidth, int minHeight) throws IOException {
        assertTrue(Files.isRegularFile(png), png + " not written");
        BufferedImage image = ImageIO.read(png.toFile());
        assertTrue(image != null, png + " does not decode");
        assertTrue(image.getWidth() >= minWidth && image.getHeight() >= minHeight,
                png + " is " + image.getWidth() + "x" + image.getHeight());
        return image;
    }

    /** The named numbers of a metrics object, each a finite value in [-1, 1] (-1: no ground truth for it). */
    static void assertMetrics(JsonNode metrics, String... names) {
        for (String name : names) {
            assertTrue(metrics.has(name), name + " missing in " + metrics);
            double v = metrics.get(name).asDouble();
            assertTrue(v >= -1 && v <= 1, name + " = " + v);
        }
    }
}
