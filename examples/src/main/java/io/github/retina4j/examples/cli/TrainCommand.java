package io.github.retina4j.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains RetinaNet / Libra RetinaNet on a COCO or LVIS dataset. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train RetinaNet or Libra RetinaNet on COCO/LVIS-format data with mmdetection's schedule, "
                + "a progress bar, a per-iteration JSON log, atomic checkpoints and --resume.",
                "Example: retina4j train --annotations runs/shapes-lt/annotations/train.json --images runs/shapes-lt/images "
                        + "--iterations 600 --out runs/train1"})
public final class TrainCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--annotations", required = true, paramLabel = "FILE", description = "Training annotations (COCO or LVIS JSON).")
    Path annotations;

    @Option(names = "--images", required = true, paramLabel = "DIR", description = "Image root folder.")
    Path images;

    @Option(names = "--out", defaultValue = "runs/train", paramLabel = "DIR",
            description = "Run folder: log, checkpoints, model.zip, loss curve (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--model", defaultValue = "retinanet", description = "retinanet | libra (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--backbone", defaultValue = "small", description = "small | resnet18 | resnet34 | resnet50 | resnet101 (default: ${DEFAULT-VALUE}).")
    String backbone;

    @Option(names = "--cls-loss", defaultValue = "focal", description = "focal | efl | eql-focal (default: ${DEFAULT-VALUE}).")
    String clsLoss;

    @Option(names = "--box-loss", defaultValue = "smooth-l1", description = "smooth-l1 | l1 | balanced-l1 (default: ${DEFAULT-VALUE}; libra uses balanced-l1).")
    String boxLoss;

    @Option(names = "--rfs", description = "Repeat factor sampling (LVIS), threshold --rfs-threshold.")
    boolean repeatFactorSampling;

    @Option(names = "--rfs-threshold", defaultValue = "0.001", description = "Repeat factor threshold t (default: ${DEFAULT-VALUE}).")
    double rfsThreshold;

    @Option(names = "--image-size", defaultValue = "128", description = "Network input size: longer side resized to this, padded to a multiple of 128 (default: ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--batch-size", defaultValue = "8", description = "Images per iteration (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--iterations", defaultValue = "1000", description = "Training iterations (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Mixin
    OptimizerOptions optimizer;

    @Option(names = "--seed", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--checkpoint-every", defaultValue = "200", description = "Checkpoint interval in iterations (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue from the last checkpoint in --out (same optimizer state, schedule and data position).")
    boolean resume;

    @Option(names = "--ui", description = "Attach the DL4J training UI (http://localhost:9000; needs a build with -Pui).")
    boolean ui;

    @Option(names = "--no-progress", description = "No progress bar (the log lines remain).")
    boolean noProgress;

    @Override
    public Integer call() {
        Inputs.existingFile(annotations, "--annotations");
        Inputs.existingDir(images, "--images");
        Inputs.positive(batchSize, "--batch-size");
        Inputs.positive(iterations, "--iterations");
        Inputs.positive(imageSize, "--image-size");
        Inputs.positive(checkpointEvery, "--checkpoint-every");
        throw new NotAvailableException("training a detector (io.github.retina4j.models RetinaNet builder)");
    }
}
