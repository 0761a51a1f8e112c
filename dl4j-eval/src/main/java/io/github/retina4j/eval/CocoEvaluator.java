package io.github.retina4j.eval;

import io.github.retina4j.coco.DetectionResult;

import io.github.retina4j.coco.CocoDataset;

import java.util.List;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * COCO bbox evaluation, reproducing pycocotools' {@code COCOeval(iouType='bbox')}:
 * evaluate() + accumulate() + summarize().
 *
 * <p>Rules reproduced: every ground-truth image and category is evaluated (images without
 * annotations make their detections false positives); detections of an (image, category) are
 * sorted by score with a stable sort and cut to the largest maxDets; crowd ground truths are
 * ignored, matched by IoU over the detection's area and may absorb many detections; a ground
 * truth outside an area range (by its {@code area} field) is ignored, and so is an unmatched
 * detection outside it (by w·h); greedy matching in score order, best IoU ≥ threshold, ties to the
 * later ground truth, regular ground truths before ignored ones; 101-point interpolated precision
 * with the precision envelope.
 *
 * <p>Differences on purpose: results with image or category ids not in the ground truth, NaN
 * values or negative sizes are rejected (pycocotools silently skips unknown categories).
 * pycocotools stores a matched ground truth's id in {@code dtMatches} and treats 0 as "unmatched",
 * so a ground truth whose annotation id is 0 can never be a true positive there; here it can.
 */
public final class CocoEvaluator {

    private final EvalParams params;
    private final int threads;

    /** pycocotools' default parameters, one thread per available processor. */
    public CocoEvaluator() {
        this(EvalParams.coco(), Runtime.getRuntime().availableProcessors());
    }

    /**
     * @param params  evaluation parameters ({@link EvalParams#coco()} for the standard protocol)
     * @param threads number of threads (categories are evaluated in parallel); 1 = single-threaded
     */
    public CocoEvaluator(EvalParams params, int threads) {
        this.params = Objects.requireNonNull(params, "params");
        this.threads = EvaluatorArgs.checkThreads(threads);
    }

    public EvalParams params() {
        return params;
    }

    /** Evaluates detections against an annotation file read with {@code CocoJsonReader}. */
    public CocoEvalResult evaluate(CocoDataset dataset, List<DetectionResult> results) {
        return evaluate(GroundTruth.of(dataset), results);
    }

    /**
     * Evaluates detections against the ground truth.
     *
     * @throws IllegalArgumentException if a result has an unknown image/category id, a NaN value or
     *                                  a negative size (the message names the entry index)
     */
    public CocoEvalResult evaluate(GroundTruth gt, List<DetectionResult> results) {
        EvaluatorArgs.requireInputs(gt, results);
        DetectionTable table = DetectionTable.of(gt, results);
        EvaluationEngine.GtGroups g = DetectionTable.groupGroundTruth(gt,
                IntStream.range(0, gt.annotationCount()).toArray(), true, false);
        long[] truncated = new long[1];
        EvaluationEngine.DtGroups d = table.group(table.all(), gt.categoryCount(), gt.imageCount(),
                params.largestMaxDets(), null, truncated);
        EvaluationEngine.Curves curves = EvaluationEngine.run(params, new EvaluationEngine.Rules(true), gt.categoryCount(),
                g, d, threads);
        return new CocoEvalResult(params, gt, curves, results.size(), truncated[0]);
    }
}
