package io.github.retina4j.eval;

import io.github.retina4j.coco.ResultsJson;

import io.github.retina4j.coco.DetectionResult;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Entry point for evaluating files: a ground-truth annotation file (COCO or LVIS JSON) and a
 * results file {@code [{image_id, category_id, bbox, score}]}. Used by the command line.
 */
public final class Evaluation {

    /** Which reference protocol to reproduce. */
    public enum Protocol {
        /** pycocotools COCOeval (bbox). */
        COCO,
        /** lvis-api LVISEval (bbox), federated. */
        LVIS
    }

    private Evaluation() {
    }

    /**
     * Reads both files and evaluates.
     *
     * @param threads number of threads (categories in parallel)
     * @throws IllegalArgumentException for malformed files, unknown ids or bad values (the message
     *                                  names the file and the entry)
     */
    public static EvaluationSummary evaluateFiles(Path groundTruth, Path results, Protocol protocol, int threads) {
        Objects.requireNonNull(protocol, "protocol");
        CocoDataset dataset = CocoJsonReader.builder().keepSegmentation(false).build().read(groundTruth);
        List<DetectionResult> dets = ResultsJson.read(results);
        return evaluate(dataset, dets, protocol, threads);
    }

    /** Evaluates in-memory ground truth and detections. */
    public static EvaluationSummary evaluate(CocoDataset dataset, List<DetectionResult> results, Protocol protocol,
                                             int threads) {
        GroundTruth gt = GroundTruth.of(dataset);
        return switch (protocol) {
            case COCO -> new CocoEvaluator(EvalParams.coco(), threads).evaluate(gt, results);
            case LVIS -> new LvisEvaluator(EvalParams.lvis(), threads).evaluate(gt, results);
        };
    }
}
