package io.github.retina4j.examples;

import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;
import java.nio.file.Path;

/**
 * Evaluates a detection results file ({@code [{image_id, category_id, bbox, score}]}, COCO's results format) against
 * a COCO annotation file with pycocotools' protocol, or against an LVIS one with lvis-api's ({@code --lvis}); no model
 * is involved. Prints the reference tool's summary, the per-class table and the counts of what the rules left out,
 * and writes them all as JSON to {@code --json}. The defaults take the validation results of
 * {@link TrainRetinaNetOnShapesLt}.
 */
public final class EvaluateResults {

    private EvaluateResults() {
    }

    public static void main(String[] args) {
        ExampleArgs a = new ExampleArgs(EvaluateResults.class, args);
        Path groundTruth = a.path("--gt", "runs/examples/retinanet/shapes-lt/annotations/instances_val.json");
        Path results = a.path("--dets", "runs/examples/retinanet/detections_val.json");
        boolean lvis = a.flag("--lvis");
        Path json = a.path("--json", "runs/examples/evaluation.json");
        int threads = a.positiveInt("--threads", Runtime.getRuntime().availableProcessors());
        a.done();

        // reads both files (a malformed entry fails naming the file and the entry), then matches per category
        EvaluationSummary summary = Evaluation.evaluateFiles(groundTruth, results,
                lvis ? Evaluation.Protocol.LVIS : Evaluation.Protocol.COCO, threads);
        System.out.println(summary.summaryText());
        System.out.println(summary.perCategoryTable());
        System.out.println("counts: " + summary.counts());
        summary.writeJson(json);
        System.out.println("wrote " + json);
    }
}
