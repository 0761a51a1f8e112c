/**
 * COCO and LVIS bbox evaluation (docs/DESIGN.md §5), reproducing pycocotools' {@code COCOeval} and lvis-api's
 * {@code LVISEval} (precision/recall arrays bit-identical on the reference fixtures).
 * Comments in this module cite the design document as "DESIGN §n": section n of {@code docs/DESIGN.md}.
 *
 * <ul>
 *   <li>{@link io.github.retina4j.coco.DetectionResult}: one detection {@code {image_id, category_id, bbox, score}};
 *       {@link io.github.retina4j.coco.ResultsJson} reads/writes the standard results file.</li>
 *   <li>{@link io.github.retina4j.eval.GroundTruth}: the columnar ground truth, from a {@code CocoDataset}
 *       ({@code GroundTruth.of}) or a builder.</li>
 *   <li>{@link io.github.retina4j.eval.CocoEvaluator} → {@link io.github.retina4j.eval.CocoEvalResult};
 *       {@link io.github.retina4j.eval.LvisEvaluator} → {@link io.github.retina4j.eval.LvisEvalResult};
 *       both results implement {@link io.github.retina4j.eval.EvaluationSummary} (summary text, per-category
 *       table, JSON).</li>
 *   <li>{@link io.github.retina4j.eval.Evaluation}: evaluate a ground-truth file and a results file.</li>
 * </ul>
 *
 * <p>The matching and accumulation are hand-written on primitive arrays (no Java library does COCO
 * evaluation); categories are evaluated in parallel.
 */
package io.github.retina4j.eval;

import io.github.retina4j.coco.ResultsJson;

import io.github.retina4j.coco.DetectionResult;
