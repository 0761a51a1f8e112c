package io.github.retina4j.examples;

import io.github.retina4j.models.inference.Detection;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.report.DetectionPainter;
import io.github.retina4j.report.DetectionPainter.DrawnBox;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Loads a trained model file and draws its detections on every PNG/JPEG image of a folder: load → detect → draw.
 * Writes {@code --out/<image name>.png} with a coloured, labelled box per detection scoring at least
 * {@code --score-threshold}. The defaults take the model and the validation images of
 * {@link TrainRetinaNetOnShapesLt}.
 */
public final class DetectAndDraw {

    private DetectAndDraw() {
    }

    public static void main(String[] args) throws IOException {
        ExampleArgs a = new ExampleArgs(DetectAndDraw.class, args);
        Path model = a.path("--model", "runs/examples/retinanet/model.zip");
        Path imageDir = a.path("--images", "runs/examples/retinanet/shapes-lt/val");
        Path out = a.path("--out", "runs/examples/detect");
        double scoreThreshold = a.fraction("--score-threshold", 0.3);
        a.done();

        List<Path> images;
        try (Stream<Path> files = Files.list(imageDir)) {
            images = files.filter(f -> f.getFileName().toString().matches("(?i).*\\.(png|jpe?g)")).sorted().toList();
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no PNG or JPEG images in " + imageDir);
        }
        // the model file holds the graph and everything inference needs: classes, preprocessing, anchors, NMS settings
        try (Detector detector = Detector.load(model)) {
            for (Path file : images) {
                BufferedImage image = ImageIO.read(file.toFile());
                if (image == null) {
                    throw new IllegalArgumentException(file + ": not an image that javax.imageio can decode");
                }
                List<DrawnBox> boxes = new ArrayList<>();
                for (Detection d : detector.detect(image).detections()) {   // boxes in the image's own pixels
                    if (d.score() >= scoreThreshold) {
                        boxes.add(new DrawnBox(d.x1(), d.y1(), d.x2(), d.y2(), d.classIndex(), d.categoryName(), d.score()));
                    }
                }
                Path png = out.resolve(file.getFileName().toString().replaceFirst("\\.[^.]+$", "") + ".png");
                DetectionPainter.write(DetectionPainter.draw(image, List.of(), boxes), png);
                System.out.printf("%s: %d detections with score >= %.2f -> %s%n", file, boxes.size(), scoreThreshold, png);
            }
        }
    }
}
