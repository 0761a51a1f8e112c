package io.github.retina4j.train;

import io.github.retina4j.models.inference.Detection;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.inference.ImageDetections;
import io.github.retina4j.models.inference.ImagePreprocessor;
import io.github.retina4j.models.io.PostProcessConfig;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A plain JVM program embedding trained detectors, started by {@link TrainedModelFilesTest} with nothing but
 * dl4j-models, its dependencies and an ND4J backend on the class path (it uses dl4j-models' API only and is
 * copied alone, without the rest of this module's classes).
 *
 * <p>Arguments: {@code <out-dir> <image> <absent-class,...> <model.zip>...}. Fails (exit code 2) if one of the
 * absent classes can be loaded; for the k-th model (from 0) writes the graph's outputs for the image
 * ({@code k.out0}, {@code k.out1}, ... in ND4J's binary format) and the detections ({@code k.txt}, {@link #format}).
 */
public final class PlainJvmDetection {

    private PlainJvmDetection() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Path image = Path.of(args[1]);
        for (String name : args[2].split(",")) {
            try {
                Class.forName(name, false, PlainJvmDetection.class.getClassLoader());
                System.err.println(name + " is on the class path; it must not be");
                System.exit(2);
            } catch (ClassNotFoundException expected) {
                // as it should be
            }
        }
        for (int k = 3; k < args.length; k++) {
            Path model = Path.of(args[k]);
            try (Detector detector = Detector.load(model, 1)) {
                INDArray[] raw = outputs(detector, image);
                for (int i = 0; i < raw.length; i++) {
                    Nd4j.saveBinary(raw[i], new File(out.toFile(), (k - 3) + ".out" + i));
                }
                String text = format(detections(detector, image));
                Files.writeString(out.resolve((k - 3) + ".txt"), text, StandardCharsets.UTF_8);
                System.out.println(model + ": " + text.lines().count() + " detections");
            }
        }
    }

    /** The graph's outputs (in the graph's order) for the image, preprocessed as the model's metadata says. */
    static INDArray[] outputs(Detector detector, Path image) {
        INDArray input = new ImagePreprocessor(detector.metadata().preprocessing())
                .preprocessFiles(List.of(image), new long[] {0}).images();
        return detector.forward(input);
    }

    /**
     * Detections with the LVIS score threshold (0.0001) rather than COCO's 0.05, so that a model trained for two
     * iterations (scores near the focal-loss prior 0.01) still yields boxes to compare.
     */
    static ImageDetections detections(Detector detector, Path image) {
        PostProcessConfig lowThreshold = detector.metadata().postprocessing()
                .withScoreThreshold(PostProcessConfig.LVIS_SCORE_THRESHOLD);
        try (Detector d = detector.withPostProcessing(lowThreshold)) {
            return d.detect(image);
        }
    }

    /** One line per detection, every number exactly (Double.toString round-trips). */
    static String format(ImageDetections result) {
        StringBuilder sb = new StringBuilder();
        for (Detection d : result.detections()) {
            sb.append(d.categoryId()).append(' ').append(d.categoryName()).append(' ').append(d.score()).append(' ')
                    .append(d.x1()).append(' ').append(d.y1()).append(' ').append(d.x2()).append(' ').append(d.y2())
                    .append('\n');
        }
        return sb.toString();
    }
}
