package io.github.retina4j.models.inference;

import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.boxes.BatchedNms;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.data.boxes.NmsConfig;
import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.models.io.ClassScoring;
import io.github.retina4j.models.io.PostProcessConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.List;

/**
 * Test oracle: the post-processing written the straightforward way, every step on every pair: scores of the whole
 * {@code [N, C, A]} array (one ND4J sigmoid, or {@link ClassScoring#scores}), per level every pair above the threshold
 * ranked by (score, lower flat index) and the best k kept, then decode, clip, {@link BatchedNms}, map back.
 * {@link DetectionPostProcessor} must give exactly its detections.
 */
final class ExhaustivePostProcessing {

    private ExhaustivePostProcessing() {
    }

    static List<ImageDetections> process(PostProcessConfig config, BoxCoder coder, CategoryMapping categories,
                                         ClassScoring scoring, INDArray classLogits, INDArray boxDeltas, INDArray anchors,
                                         int[] anchorsPerLevel, List<ImageMeta> metas) {
        int n = (int) classLogits.size(0);
        int c = (int) classLogits.size(1);
        int a = (int) classLogits.size(2);
        boolean plain = scoring.isPlainSigmoid();
        INDArray scores = plain ? Transforms.sigmoid(classLogits.castTo(DataType.FLOAT), true) : classLogits;
        double[] anchorFlat = anchors.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        List<ImageDetections> out = new ArrayList<>(n);
        for (int img = 0; img < n; img++) {
            float[] s = scores.slice(img).castTo(DataType.FLOAT).dup('c').data().asFloat();
            if (!plain) {
                scoring.scores(s, c, a, s);
            }
            float[] d = boxDeltas.dup('c').slice(img).castTo(DataType.FLOAT).dup('c').data().asFloat();
            out.add(image(config, coder, categories, s, d, c, a, anchorFlat, anchorsPerLevel, metas.get(img)));
        }
        return out;
    }

    private static ImageDetections image(PostProcessConfig config, BoxCoder coder, CategoryMapping categories,
                                         float[] s, float[] d, int c, int a, double[] anchors, int[] anchorsPerLevel,
                                         ImageMeta meta) {
        float thr = (float) config.scoreThreshold();
        int topK = config.topKPerLevel();
        List<Integer> selected = new ArrayList<>();
        int levelStart = 0;
        for (int levelCount : anchorsPerLevel) {
            List<Long> keys = new ArrayList<>();
            for (int cls = 0; cls < c; cls++) {
                for (int j = levelStart; j < levelStart + levelCount; j++) {
                    float v = s[cls * a + j];
                    if (v > thr) {
                        keys.add(DetectionPostProcessor.rankKey(v, cls * a + j));
                    }
                }
            }
            keys.sort(java.util.Comparator.reverseOrder());
            for (int i = 0; i < Math.min(topK, keys.size()); i++) {
                selected.add(DetectionPostProcessor.indexOf(keys.get(i)));
            }
            levelStart += levelCount;
        }
        int m = selected.size();
        double[] boxes = new double[4 * m];
        double[] scores = new double[m];
        int[] classes = new int[m];
        for (int i = 0; i < m; i++) {
            int idx = selected.get(i);
            int cls = idx / a;
            int anchor = idx - cls * a;
            coder.decode(d[anchor], d[a + anchor], d[2 * a + anchor], d[3 * a + anchor], anchors, anchor, boxes, 4 * i);
            boxes[4 * i] = clamp(boxes[4 * i], 0, meta.validWidth());
            boxes[4 * i + 1] = clamp(boxes[4 * i + 1], 0, meta.validHeight());
            boxes[4 * i + 2] = clamp(boxes[4 * i + 2], 0, meta.validWidth());
            boxes[4 * i + 3] = clamp(boxes[4 * i + 3], 0, meta.validHeight());
            scores[i] = s[idx];
            classes[i] = cls;
        }
        int[] keep = BatchedNms.nms(boxes, scores, classes, new NmsConfig(config.nmsIouThreshold(),
                Double.NEGATIVE_INFINITY, 0, config.maxDetectionsPerImage()));
        float[] kept = new float[4 * keep.length];
        for (int k = 0; k < keep.length; k++) {
            for (int j = 0; j < 4; j++) {
                kept[4 * k + j] = (float) boxes[4 * keep[k] + j];
            }
        }
        meta.toOriginal(kept);
        List<Detection> detections = new ArrayList<>();
        for (int k = 0; k < keep.length; k++) {
            double x1 = clamp(kept[4 * k], 0, meta.originalWidth());
            double y1 = clamp(kept[4 * k + 1], 0, meta.originalHeight());
            double x2 = clamp(kept[4 * k + 2], 0, meta.originalWidth());
            double y2 = clamp(kept[4 * k + 3], 0, meta.originalHeight());
            if (x2 - x1 < config.minBoxSize() || y2 - y1 < config.minBoxSize()) {
                continue;
            }
            int cls = classes[keep[k]];
            detections.add(new Detection(x1, y1, x2, y2, cls, categories.toCategoryId(cls), categories.name(cls),
                    scores[keep[k]]));
        }
        return new ImageDetections(meta, detections);
    }

    private static double clamp(double v, double lo, double hi) {
        return v < lo ? lo : (v > hi ? hi : v);
    }
}
