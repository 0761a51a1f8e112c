package io.github.retina4j.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** COCO / LVIS evaluation of a results file, or of a model on a dataset. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"COCO and LVIS bbox evaluation (pycocotools / lvis-api compatible).",
                "Results file:  retina4j eval --gt val.json --dets results.json [--metric lvis]",
                "Model:         retina4j eval --gt val.json --images DIR --model runs/train/model.zip"})
public final class EvalCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--gt", required = true, paramLabel = "FILE", description = "Ground-truth annotations (COCO or LVIS JSON).")
    Path gt;

    @Option(names = "--dets", paramLabel = "FILE", description = "Detections in COCO results format [{image_id, category_id, bbox, score}].")
    Path dets;

    @Option(names = "--model", paramLabel = "FILE", description = "A trained model file; detections are computed on --images.")
    Path model;

    @Option(names = "--images", paramLabel = "DIR", description = "Image root for --model.")
    Path images;

    @Option(names = "--metric", defaultValue = "auto", description = "coco | lvis | both | auto (lvis when the file has LVIS fields; default: ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--out", paramLabel = "FILE", description = "Also write the metrics as JSON here.")
    Path out;

    @Override
    public Integer call() {
        Inputs.existingFile(gt, "--gt");
        if ((dets == null) == (model == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give exactly one of --dets or --model");
        }
        if (dets != null) {
            Inputs.existingFile(dets, "--dets");
        } else {
            Inputs.existingFile(model, "--model");
            Inputs.existingDir(images, "--images");
        }
        if (!java.util.Set.of("coco", "lvis", "both", "auto").contains(metric)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--metric must be coco, lvis, both or auto, got '" + metric + "'");
        }
        throw new NotAvailableException("evaluation (io.github.retina4j.eval)");
    }
}
