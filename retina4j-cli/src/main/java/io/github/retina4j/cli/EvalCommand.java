package io.github.retina4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;
import io.github.retina4j.coco.ResultsJson;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

    @Option(names = "--per-class", description = "Print the per-category AP table too.")
    boolean perClass;

    @picocli.CommandLine.Mixin
    LongTailOptions longTail;

    @Override
    public Integer call() {
        Inputs.existingFile(gt, "--gt");
        if ((dets == null) == (model == null)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give exactly one of --dets or --model");
        }
        if (dets != null) {
            Inputs.existingFile(dets, "--dets");
            if (longTail.norcalGamma != null || longTail.norcalCounts != null) {
                throw new IllegalArgumentException("--norcal-gamma and --norcal-counts calibrate a --model's scores, not --dets");
            }
        } else {
            Inputs.existingFile(model, "--model");
            Inputs.existingDir(images, "--images");
        }
        if (!java.util.Set.of("coco", "lvis", "both", "auto").contains(metric)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--metric must be coco, lvis, both or auto, got '" + metric + "'");
        }
        CocoDataset dataset = CocoJsonReader.builder().keepSegmentation(false).build().read(gt);
        List<Evaluation.Protocol> protocols = Evaluations.protocols(metric, dataset);
        List<DetectionResult> results = dets != null ? ResultsJson.read(dets) : detect(dataset);
        Map<Evaluation.Protocol, EvaluationSummary> summaries = Evaluations.run(dataset, results, protocols);
        PrintWriter console = spec.commandLine().getOut();
        for (Map.Entry<Evaluation.Protocol, EvaluationSummary> e : summaries.entrySet()) {
            console.println(e.getKey() + " (" + results.size() + " detections, " + dataset.images().size() + " images)");
            console.println(e.getValue().summaryText());
            if (perClass) {
                console.println(e.getValue().perCategoryTable());
            }
        }
        if (out != null) {
            try {
                if (out.toAbsolutePath().getParent() != null) {
                    Files.createDirectories(out.toAbsolutePath().getParent());
                }
                new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.toFile(), Evaluations.toJson(summaries));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
            }
            console.println("wrote " + out);
        }
        console.flush();
        return 0;
    }

    private List<DetectionResult> detect(CocoDataset dataset) {
        // LVIS protocol: lower score threshold and 300 detections per image (DESIGN §6)
        boolean lvis = dataset.isLvis() && !"coco".equals(metric);
        ModelFile.Loaded loaded = ModelFile.load(model, false);
        ModelMetadata meta = longTail.apply(lvis ? loaded.metadata().withPostprocessing(PostProcessConfig.lvis()) : loaded.metadata());
        try (Detector detector = new Detector(loaded.graph(), meta, 1)) {
            return DatasetDetection.run(detector, dataset, images, false).results();
        }
    }
}
