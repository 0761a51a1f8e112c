package io.github.retina4j.cli;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.report.LossCurveChart;
import io.github.retina4j.train.DetectorSetup;
import io.github.retina4j.train.ImageSampling;
import io.github.retina4j.train.LossPoint;
import io.github.retina4j.train.Recipe;
import io.github.retina4j.train.Trainer;
import io.github.retina4j.train.TrainerConfig;
import io.github.retina4j.train.TrainingData;
import io.github.retina4j.train.TrainingInit;
import io.github.retina4j.train.TrainingResult;
import io.github.retina4j.models.imports.TorchvisionRetinaNetImporter;
import io.github.retina4j.models.imports.TorchvisionRetinaNetLayout;
import org.deeplearning4j.nn.graph.ComputationGraph;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
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

    @Option(names = "--backbone-weights", paramLabel = "FILE.npz",
            description = "ImageNet weights of the ResNet backbone: a torchvision classification state dict exported by "
                    + "tools/export_torchvision.py (fc dropped, BatchNorm statistics kept, frozen); FPN and heads start from "
                    + "the papers' initialisation.")
    Path backboneWeights;

    @Option(names = "--init", paramLabel = "MODEL",
            description = "Fine-tune this model file (e.g. from retina4j import): everything is loaded except the "
                    + "classification layer, which is new for this dataset's classes. A torchvision import brings its own "
                    + "architecture (ResNet depth, FPN, anchors).")
    Path init;

    @Option(names = "--cls-loss", defaultValue = "focal", description = {"focal | efl | eql-focal | gol | iif "
            + "(default: ${DEFAULT-VALUE}). gol: Gumbel optimised loss, Gumbel activation in training and inference; "
            + "iif: focal loss on logits weighted by the inverse image frequency, kept at inference (DESIGN §3.7, §3.8)."})
    String clsLoss;

    @Option(names = "--iif-variant", paramLabel = "V", description = "IIF weights with --cls-loss iif: raw | smooth | rel | "
            + "base2 | base10 | normit | gombit (default: raw, the paper's).")
    String iifVariant;

    @Option(names = "--box-loss", defaultValue = DetectorSetup.RECIPE_BOX_LOSS,
            description = "recipe | smooth-l1 | l1 | balanced-l1 (default: the model's recipe: smooth-l1 for retinanet, balanced-l1 for libra).")
    String boxLoss;

    @Option(names = "--pisa", description = "Prime Sample Attention (ISR-P + CARL, mmdetection's PISA RetinaNet); needs "
            + "--cls-loss focal and a smooth L1 box loss.")
    boolean pisa;

    @Option(names = "--rfs", description = "Repeat factor sampling (LVIS), threshold --rfs-threshold: the same as --sampler rfs.")
    boolean repeatFactorSampling;

    @Option(names = "--sampler", paramLabel = "S", description = "Images of an epoch: uniform | rfs | class-aware "
            + "(default: uniform; DESIGN §4.5).")
    String sampler;

    @Option(names = "--rfs-threshold", defaultValue = "0.001", description = "Repeat factor threshold t (default: ${DEFAULT-VALUE}).")
    double rfsThreshold;

    @Option(names = "--image-size", defaultValue = "128", description = "Network input size: longer side resized to this, padded to a multiple of 32 (default: ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(names = "--batch-size", defaultValue = "8", description = "Images per iteration and worker (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--workers", defaultValue = "1", description = {"Data-parallel workers on this machine (DL4J "
            + "ParallelWrapper, parameters averaged after every iteration): each iteration takes --batch-size images per "
            + "worker, and the learning rate follows that effective batch (default: ${DEFAULT-VALUE})."})
    int workers;

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
        Inputs.positive(workers, "--workers");
        Inputs.positive(iterations, "--iterations");
        Inputs.positive(imageSize, "--image-size");
        Inputs.positive(checkpointEvery, "--checkpoint-every");
        clsLoss = LongTailOptions.classLoss(clsLoss, iifVariant);
        DetectorSetup.Choice choice = new DetectorSetup.Choice(model, backbone, clsLoss, boxLoss);
        Inputs.positive(rfsThreshold, "--rfs-threshold");
        ImageSampling sampling = LongTailOptions.sampling(sampler, repeatFactorSampling, rfsThreshold);
        CocoDataset train = CocoJsonReader.strict().read(annotations);
        if (train.images().isEmpty()) {
            throw new IllegalArgumentException(annotations + ": the dataset has no images");
        }
        if (train.categories().isEmpty()) {
            throw new IllegalArgumentException(annotations + ": the dataset has no categories");
        }
        if (backboneWeights != null && init != null) {
            throw new IllegalArgumentException("give --backbone-weights or --init, not both");
        }
        TorchvisionRetinaNetLayout initLayout = null;
        if (backboneWeights != null) {
            Inputs.existingFile(backboneWeights, "--backbone-weights");
        }
        if (init != null) {
            Inputs.existingFile(init, "--init");
            initLayout = TrainingInit.torchvisionLayout(init);
            if (initLayout != null) {
                String depth = "resnet" + initLayout.depth();
                if (spec.commandLine().getParseResult().hasMatchedOption("--backbone") && !depth.equals(choice.backbone())) {
                    throw new IllegalArgumentException("--init " + init + " is a torchvision RetinaNet on " + depth
                            + ", not --backbone " + choice.backbone());
                }
                choice = new DetectorSetup.Choice(model, depth, clsLoss, boxLoss);
            }
        }
        Recipe recipe = optimizer.apply(choice.recipe()).withImageSampling(sampling);
        // mmdetection's linear scaling applies to the effective batch (its lr is per 16 images over all GPUs)
        int effectiveBatch = batchSize * workers;
        RetinaNetConfig config = DetectorSetup.config(choice, recipe, train, effectiveBatch, iterations, seed);
        if (initLayout != null) {
            config = TrainingInit.withLayout(config, initLayout);
        }
        if (pisa) {
            config = DetectorSetup.pisa(config);
        }
        ModelMetadata metadata = DetectorSetup.metadata(train, config, imageSize, imageSize);
        if (initLayout != null) {
            metadata = metadata.withModelConfig(initLayout.withNumClasses(config.numClasses()).toJson());
        }
        ComputationGraph graph = RetinaNet.build(config);
        PrintWriter console = spec.commandLine().getOut();
        try {
            if (backboneWeights != null) {
                TorchvisionRetinaNetImporter.Report r = TrainingInit.backbone(graph, config, backboneWeights);
                java.util.List<String> dropped = r.skipped().stream().filter(k -> !k.endsWith(".num_batches_tracked")).toList();
                console.printf("backbone: %d tensors from %s; dropped %s and %d BatchNorm counters%n", r.tensorsImported(),
                        backboneWeights, dropped, r.skipped().size() - dropped.size());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + backboneWeights + ": " + e.getMessage(), e);
        }
        if (init != null) {
            int copied = TrainingInit.fromModel(graph, init);
            console.printf("init: %d parameter arrays from %s, new classification layer for %d classes%n", copied, init,
                    config.numClasses());
        }
        final ModelMetadata savedMetadata = metadata;
        console.printf("training %s (%s backbone, %s + %s, %s, clip %s, %s sampling) on %s: %d images, %d classes, %d iterations of %d images%s%n",
                choice.model(), choice.backbone(), choice.clsLoss() + (pisa ? " with PISA" : ""), config.boxLoss(), recipe.optimizer(),
                recipe.maxGradNorm(), recipe.imageSampling(), annotations,
                train.images().size(), train.categories().size(), iterations, effectiveBatch,
                workers == 1 ? "" : " (" + workers + " workers × " + batchSize + ")");
        console.flush();
        TrainerConfig tc = new TrainerConfig(out, iterations, checkpointEvery, 2, 20, recipe.maxGradNorm(),
                seed, resume, ui ? out.resolve("ui-stats.dl4j") : null, workers);
        TrainingResult result;
        try (TrainingData.CloseableIterator data = TrainingData.iterator(train, images, config, recipe.targetEncoder(config, seed), batchSize, imageSize,
                imageSize, seed, recipe.imageSampling(), workers)) {
            Trainer trainer = new Trainer(graph, data, tc)
                    .modelWriter((g, f) -> ModelFile.save(g, savedMetadata, f, true));
            if (!noProgress) {
                trainer.addProgress(new TrainingProgressBar());
            }
            result = trainer.train();
        }
        Path modelFile = out.resolve(MODEL_FILE);
        try {
            ModelFile.save(result.graph(), metadata, modelFile, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + modelFile + ": " + e.getMessage(), e);
        }
        LossCurveChart.write(LossPoint.iterations(result.history()), LossPoint.losses(result.history()), "training loss: " + out.getFileName(), out.resolve(LOSS_CURVE));
        console.printf("done: %d iterations (resumed from %d), final loss %.4f, %.0f s%nmodel: %s%nloss curve: %s%n",
                iterations, result.resumedFrom(), result.finalLoss(), result.seconds(), modelFile, out.resolve(LOSS_CURVE));
        console.flush();
        return 0;
    }

    static final String MODEL_FILE = "model.zip";
    static final String LOSS_CURVE = "loss-curve.png";
}
