package io.github.retina4j.cli;

import io.github.retina4j.models.imports.MmdetImport;
import io.github.retina4j.models.imports.TorchvisionImport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Turns weights trained elsewhere into a model file that detect, eval --model and Detector.load use. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Import a torchvision RetinaNet (ResNet-18/34/50/101 + FPN) exported to .npz by tools/export_torchvision.py "
                + "into a model file with torchvision's preprocessing and post-processing.",
                "Or an mmdetection RetinaNet / Libra RetinaNet checkpoint exported by tools/export_torchvision.py --mmdet, "
                        + "with mmdetection's test pipeline and test_cfg.",
                "Example: retina4j import --torchvision retinanet_resnet50_fpn_coco.npz --classes coco --out retinanet-coco.zip",
                "Example: retina4j import --mmdet libra_retinanet_r50_fpn_1x_coco.npz --out libra-coco.zip"})
public final class ImportCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--torchvision", paramLabel = "FILE.npz",
            description = "State dict of a torchvision RetinaNet, exported by tools/export_torchvision.py.")
    Path torchvision;

    @Option(names = "--mmdet", paramLabel = "FILE.npz",
            description = "State dict of an mmdetection RetinaNet or Libra RetinaNet checkpoint, exported by "
                    + "tools/export_torchvision.py --mmdet (mmdetection's key names).")
    Path mmdet;

    @Option(names = "--model", defaultValue = "auto", paramLabel = "auto|retinanet|libra",
            description = "With --mmdet: the detector the checkpoint holds; auto (default) = libra when it has a balanced "
                    + "feature pyramid (neck.1.refine.*), else retinanet.")
    String model;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Model file to write (e.g. model.zip).")
    Path out;

    @Option(names = "--classes", paramLabel = "coco|torchvision|FILE",
            description = {"Class names: torchvision = its 91 COCO labels (category id = label; default with --torchvision), "
                    + "coco = the 80 COCO categories (background and unused labels dropped; results score against COCO ground "
                    + "truth; default with --mmdet, whose 80 labels are these in id order), or a file: COCO-format JSON (its "
                    + "categories) or one name per line (id = line index), one per head output."})
    String classes;

    @Override
    public Integer call() {
        if ((torchvision == null) == (mmdet == null)) {
            throw new IllegalArgumentException("give exactly one of --torchvision FILE.npz and --mmdet FILE.npz");
        }
        if (mmdet != null) {
            return importMmdet();
        }
        if (!"auto".equals(model)) {
            throw new IllegalArgumentException("--model " + model + " is for --mmdet checkpoints; a torchvision state dict is "
                    + "always a RetinaNet");
        }
        if (classes == null) {
            classes = "torchvision";
        }
        Inputs.existingFile(torchvision, "--torchvision");
        TorchvisionImport.Imported imported;
        try {
            imported = TorchvisionImport.write(torchvision, TorchvisionImport.Classes.parse(classes), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import " + torchvision + " into " + out + ": " + e.getMessage(), e);
        }
        PrintWriter console = spec.commandLine().getOut();
        var layout = imported.layout();
        console.printf("imported %s: torchvision RetinaNet, ResNet-%d (width %d) + FPN %d, %d head convs, %d classes (%s); "
                        + "%d tensors, %d skipped%nwrote %s%n", torchvision, layout.depth(), layout.width(),
                layout.fpnChannels(), layout.headConvs(), imported.metadata().categories().size(), classes,
                imported.report().tensorsImported(), imported.report().skipped().size(), out);
        console.flush();
        return 0;
    }

    private Integer importMmdet() {
        Inputs.existingFile(mmdet, "--mmdet");
        MmdetImport.Model which = MmdetImport.parseModel(model);
        String names = classes == null ? "coco" : classes;
        MmdetImport.Imported imported;
        try {
            imported = MmdetImport.write(mmdet, TorchvisionImport.Classes.parse(names), which, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot import " + mmdet + " into " + out + ": " + e.getMessage(), e);
        }
        PrintWriter console = spec.commandLine().getOut();
        var layout = imported.layout();
        console.printf("imported %s: mmdetection %s, ResNet-%d (width %d) + FPN %d, %d head convs, %d classes (%s); "
                        + "%d tensors, %d skipped%nwrote %s%n", mmdet, layout.libra() ? "Libra RetinaNet" : "RetinaNet",
                layout.depth(), layout.width(), layout.fpnChannels(), layout.headConvs(),
                imported.metadata().categories().size(), names, imported.report().tensorsImported(),
                imported.report().skipped().size(), out);
        console.flush();
        return 0;
    }
}
