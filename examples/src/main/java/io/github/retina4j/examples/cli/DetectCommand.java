package io.github.retina4j.examples.cli;

import java.nio.file.Path;
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

    @Option(names = "--max-dets", defaultValue = "100", description = "Maximum detections per image (default: ${DEFAULT-VALUE}).")
    int maxDetections;

    @Override
    public Integer call() {
        Inputs.existingFile(model, "--model");
        Inputs.fraction(scoreThreshold, "--score-threshold");
        Inputs.positive(maxDetections, "--max-dets");
        for (Path p : inputs) {
            if (!java.nio.file.Files.exists(p)) {
                throw new IllegalArgumentException("IMAGE: not found: " + p);
            }
        }
        throw new NotAvailableException("the detector (io.github.retina4j.models.inference.Detector)");
    }
}
