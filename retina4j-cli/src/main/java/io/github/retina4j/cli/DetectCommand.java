package io.github.retina4j.cli;

import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.coco.ResultsJson;
import io.github.retina4j.report.DetectionPainter;
import io.github.retina4j.report.DetectionPainter.DrawnBox;
import io.github.retina4j.models.inference.Detection;
import io.github.retina4j.models.inference.Detector;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import javax.imageio.ImageIO;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Runs a trained detector on images and writes drawn PNGs + a results JSON. */
@Command(name = "detect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Detect objects in images (files or folders): writes <out>/<name>.png with boxes and <out>/detections.json.",
                "Example: retina4j detect --model runs/demo/model.zip runs/shapes-lt/images/val --out runs/detect"})
public final class DetectCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "Trained model file (from train or demo).")
    Path model;

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files or folders of images.")
    List<Path> inputs;

    @Option(names = "--out", defaultValue = "runs/detect", paramLabel = "DIR", description = "Output folder (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--score-threshold", defaultValue = "0.3", description = "Minimum score drawn and written (default: ${DEFAULT-VALUE}).")
    double scoreThreshold;

    @Option(names = "--max-dets", description = "Maximum detections per image (default: the model's, e.g. 100 for models "
            + "trained here, 300 for imported torchvision models).")
    Integer maxDetections;

    @picocli.CommandLine.Mixin
    LongTailOptions longTail;

    @Override
    public Integer call() {
        Inputs.existingFile(model, "--model");
        Inputs.fraction(scoreThreshold, "--score-threshold");
        if (maxDetections != null) {
            Inputs.positive(maxDetections, "--max-dets");
        }
        for (Path p : inputs) {
            if (!java.nio.file.Files.exists(p)) {
                throw new IllegalArgumentException("IMAGE: not found: " + p);
            }
        }
        List<Path> images = imageFiles(inputs);
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no images (.png/.jpg/.jpeg/.bmp/.gif) found in " + inputs);
        }
        PrintWriter console = spec.commandLine().getOut();
        List<DetectionResult> results = new ArrayList<>();
        int failed = 0;
        io.github.retina4j.models.io.ModelFile.Loaded loaded = io.github.retina4j.models.io.ModelFile.load(model, false);
        io.github.retina4j.models.io.ModelMetadata metadata = longTail.apply(loaded.metadata());
        try (Detector detector = new Detector(loaded.graph(), metadata, Detector.DEFAULT_REPLICAS)) {
            int limit = maxDetections != null ? maxDetections : detector.metadata().postprocessing().maxDetectionsPerImage();
            Files.createDirectories(out);
            long imageId = 0;
            for (Path file : images) {
                imageId++;
                BufferedImage image;
                try {
                    image = ImageIO.read(file.toFile());
                } catch (IOException e) {
                    image = null;
                }
                if (image == null) {
                    // reported and counted, never silently dropped (DESIGN §9)
                    console.println("skipped " + file + ": cannot decode the image");
                    failed++;
                    continue;
                }
                List<Detection> kept = detector.detect(image).detections().stream()
                        .filter(d -> d.score() >= scoreThreshold).limit(limit).toList();
                List<DrawnBox> boxes = new ArrayList<>();
                for (Detection d : kept) {
                    boxes.add(new DrawnBox(d.x1(), d.y1(), d.x2(), d.y2(), d.classIndex(), d.categoryName(), d.score()));
                    results.add(DetectionResult.fromCorners(imageId, d.categoryId(), d.x1(), d.y1(), d.x2(), d.y2(), d.score()));
                }
                String name = file.getFileName().toString().replaceFirst("\\.[^.]+$", "") + ".png";
                DetectionPainter.write(DetectionPainter.draw(image, List.of(), boxes), out.resolve(name));
                console.printf("%s: %d detections >= %.2f%n", file, kept.size(), scoreThreshold);
            }
            ResultsJson.write(out.resolve(RESULTS_FILE), results);
            writeImageIndex(images, out.resolve(IMAGE_INDEX_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + out + ": " + e.getMessage(), e);
        }
        console.printf("wrote %d drawn images and %s (%d detections)%s%n", images.size() - failed,
                out.resolve(RESULTS_FILE), results.size(), failed > 0 ? "; " + failed + " images could not be decoded" : "");
        console.flush();
        return failed == images.size() ? 1 : 0;
    }

    static final String RESULTS_FILE = "detections.json";
    static final String IMAGE_INDEX_FILE = "images.json";
    private static final java.util.Set<String> IMAGE_EXTENSIONS = java.util.Set.of("png", "jpg", "jpeg", "bmp", "gif");

    /** The image files given directly or found (non-recursively) in the given folders, sorted by name. */
    static List<Path> imageFiles(List<Path> inputs) {
        List<Path> out = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (java.util.stream.Stream<Path> s = Files.list(p)) {
                    s.filter(Files::isRegularFile).filter(DetectCommand::isImageName).sorted().forEach(out::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + p + ": " + e.getMessage(), e);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    private static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot > 0 && IMAGE_EXTENSIONS.contains(n.substring(dot + 1));
    }

    /** image_id → file, since the results format only carries ids. */
    private static void writeImageIndex(List<Path> images, Path file) throws IOException {
        com.fasterxml.jackson.databind.node.ArrayNode arr = new com.fasterxml.jackson.databind.ObjectMapper().createArrayNode();
        for (int i = 0; i < images.size(); i++) {
            arr.addObject().put("image_id", i + 1).put("file", images.get(i).toString());
        }
        new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(file.toFile(), arr);
    }
}
