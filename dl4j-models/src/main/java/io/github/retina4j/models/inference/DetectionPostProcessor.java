package io.github.retina4j.models.inference;

import io.github.retina4j.models.io.ClassScoring;
import io.github.retina4j.models.io.PostProcessConfig;

import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.boxes.BatchedNms;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.data.boxes.NmsConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RetinaNet post-processing (DESIGN §6; Lin et al. 2017 §4 "Inference"; torchvision
 * {@code RetinaNet.postprocess_detections}): dense network outputs → per-image detections in original
 * image pixels with dataset category ids.
 *
 * <ol>
 *   <li>scores of the class logits {@code [N, C, A]}: the sigmoid (one ND4J op over the whole batch), or the
 *       model's {@link ClassScoring} (Gumbel activation, IIF logit weights, NorCal; DESIGN §6.6);</li>
 *   <li>per image and pyramid level: the (anchor, class) pairs with score &gt; threshold, of which the
 *       {@code topKPerLevel} best are kept;</li>
 *   <li>decode their deltas against their anchors with the {@link BoxCoder};</li>
 *   <li>clip to the valid (unpadded) image area of the network input;</li>
 *   <li>class-wise NMS ({@link BatchedNms}, IoU &gt; threshold suppresses) and the best
 *       {@code maxDetectionsPerImage};</li>
 *   <li>map back to the original image with {@link ImageMeta#toOriginal} (undo the flip, divide by the
 *       scale; padding is on the right/bottom), clip to the original size; contiguous class → dataset
 *       category id.</li>
 * </ol>
 * Candidate selection, NMS and the coordinate mapping are tight primitive-array code: they are
 * sorting/greedy steps that ND4J cannot express. Immutable and thread-safe.
 */
public final class DetectionPostProcessor {

    private final PostProcessConfig config;
    private final BoxCoder coder;
    private final CategoryMapping categories;
    private final ClassScoring scoring;

    /**
     * Sigmoid scores.
     *
     * @param config     thresholds and limits
     * @param coder      the coder the model was trained with
     * @param categories contiguous index ↔ dataset category id (its size must equal C of the logits)
     */
    public DetectionPostProcessor(PostProcessConfig config, BoxCoder coder, CategoryMapping categories) {
        this(config, coder, categories, ClassScoring.sigmoid());
    }

    /** As above, with the scores of {@code scoring} (its per-class vectors must have one entry per category). */
    public DetectionPostProcessor(PostProcessConfig config, BoxCoder coder, CategoryMapping categories, ClassScoring scoring) {
        if (config == null || coder == null || categories == null || scoring == null) {
            throw new IllegalArgumentException("config, coder, categories and scoring are required");
        }
        scoring.checkClasses(categories.size(), "post-processing");
        this.config = config;
        this.coder = coder;
        this.categories = categories;
        this.scoring = scoring;
    }

    public ClassScoring scoring() {
        return scoring;
    }

    public PostProcessConfig config() {
        return config;
    }

    public BoxCoder coder() {
        return coder;
    }

    public CategoryMapping categories() {
        return categories;
    }

    /**
     * Post-processes a batch whose padded input is {@code paddedH × paddedW}, with the anchors of
     * {@code anchorGenerator} (the generator the model was trained with).
     */
    public List<ImageDetections> process(INDArray classLogits, INDArray boxDeltas, AnchorGenerator anchorGenerator,
                                         int paddedH, int paddedW, List<ImageMeta> metas) {
        return process(classLogits, boxDeltas, anchorGenerator.anchors(paddedH, paddedW),
                anchorsPerLevel(anchorGenerator, paddedH, paddedW), metas);
    }

    /** Number of anchors of every pyramid level for a padded input (from the generator's level starts). */
    public static int[] anchorsPerLevel(AnchorGenerator generator, int paddedH, int paddedW) {
        int[] start = generator.levelStartIndex(paddedH, paddedW);
        int total = generator.numAnchors(paddedH, paddedW);
        int[] counts = new int[start.length];
        for (int l = 0; l < start.length; l++) {
            counts[l] = (l + 1 < start.length ? start[l + 1] : total) - start[l];
        }
        return counts;
    }

    /**
     * Post-processes a batch.
     *
     * @param classLogits       {@code [N, C, A]} class logits
     * @param boxDeltas         {@code [N, 4, A]} box deltas (dx, dy, dw, dh)
     * @param anchors           {@code [A, 4]} anchors of the padded input, level by level (P3 first)
     * @param anchorsPerLevel   number of anchors of each level (sums to A)
     * @param metas             one entry per image of the batch
     * @return one result per image, in batch order
     */
    public List<ImageDetections> process(INDArray classLogits, INDArray boxDeltas, INDArray anchors,
                                         int[] anchorsPerLevel, List<ImageMeta> metas) {
        checkShapes(classLogits, boxDeltas, anchors, anchorsPerLevel, metas);
        int n = (int) classLogits.size(0);
        int c = (int) classLogits.size(1);
        int a = (int) classLogits.size(2);
        boolean plain = scoring.isPlainSigmoid();
        INDArray scores = plain ? Transforms.sigmoid(classLogits.castTo(DataType.FLOAT), true) : classLogits;
        double[] anchorFlat = anchors.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        List<ImageDetections> out = new ArrayList<>(n);
        for (int img = 0; img < n; img++) {
            float[] s = scores.slice(img).castTo(DataType.FLOAT).dup('c').data().asFloat(); // [C, A], index cls·A + anchor
            if (!plain) {
                scoring.scores(s, c, a, s);
            }
            float[] d = boxDeltas.slice(img).castTo(DataType.FLOAT).dup('c').data().asFloat(); // [4, A]
            out.add(processImage(s, d, c, a, anchorFlat, anchorsPerLevel, metas.get(img)));
        }
        return out;
    }

    private ImageDetections processImage(float[] s, float[] d, int c, int a, double[] anchors,
                                         int[] anchorsPerLevel, ImageMeta meta) {
        float thr = (float) config.scoreThreshold();
        // 1. candidates (class·A + anchor) per level above the threshold, best topK of each level: a bounded
        //    min-heap during the scan (O(m log k) time, O(k) memory even when millions pass, e.g. LVIS 0.0001)
        int topK = config.topKPerLevel();
        int[] selected = new int[topK * anchorsPerLevel.length];
        int selectedCount = 0;
        long[] heap = new long[topK];
        int levelStart = 0;
        for (int levelCount : anchorsPerLevel) {
            int size = 0;
            for (int cls = 0; cls < c; cls++) {
                int base = cls * a;
                for (int j = levelStart; j < levelStart + levelCount; j++) {
                    float v = s[base + j];
                    if (v > thr) {
                        long key = rankKey(v, base + j);
                        if (size < topK) {
                            heap[size] = key;
                            siftUp(heap, size++);
                        } else if (key > heap[0]) {
                            heap[0] = key;
                            siftDown(heap, size);
                        }
                    }
                }
            }
            long[] best = Arrays.copyOf(heap, size);
            Arrays.sort(best);
            for (int i = size - 1; i >= 0; i--) {
                selected[selectedCount++] = indexOf(best[i]);
            }
            levelStart += levelCount;
        }
        // 2. decode and clip to the valid network-input area
        double[] boxes = new double[4 * selectedCount];
        double[] scores = new double[selectedCount];
        int[] classes = new int[selectedCount];
        double minX = 0, minY = 0;
        double maxX = meta.validWidth(), maxY = meta.validHeight();
        for (int i = 0; i < selectedCount; i++) {
            int idx = selected[i];
            int cls = idx / a;
            int anchor = idx - cls * a;
            coder.decode(d[anchor], d[a + anchor], d[2 * a + anchor], d[3 * a + anchor], anchors, anchor, boxes, 4 * i);
            boxes[4 * i] = clamp(boxes[4 * i], minX, maxX);
            boxes[4 * i + 1] = clamp(boxes[4 * i + 1], minY, maxY);
            boxes[4 * i + 2] = clamp(boxes[4 * i + 2], minX, maxX);
            boxes[4 * i + 3] = clamp(boxes[4 * i + 3], minY, maxY);
            scores[i] = s[idx];
            classes[i] = cls;
        }
        // 3. class-wise NMS, best maxDetections (threshold and top-k were applied per level above)
        NmsConfig nms = new NmsConfig(config.nmsIouThreshold(), Double.NEGATIVE_INFINITY, 0,
                config.maxDetectionsPerImage());
        int[] keep = BatchedNms.nms(boxes, scores, classes, nms);
        // 4. back to original image pixels (the data pipeline's own inverse: unflip, unscale), clipped to the image
        float[] kept = new float[4 * keep.length];
        for (int k = 0; k < keep.length; k++) {
            for (int j = 0; j < 4; j++) {
                kept[4 * k + j] = (float) boxes[4 * keep[k] + j];
            }
        }
        meta.toOriginal(kept);
        List<Detection> detections = new ArrayList<>(keep.length);
        for (int k = 0; k < keep.length; k++) {
            double x1 = clamp(kept[4 * k], 0, meta.originalWidth());
            double y1 = clamp(kept[4 * k + 1], 0, meta.originalHeight());
            double x2 = clamp(kept[4 * k + 2], 0, meta.originalWidth());
            double y2 = clamp(kept[4 * k + 3], 0, meta.originalHeight());
            if (x2 - x1 < config.minBoxSize() || y2 - y1 < config.minBoxSize()) {
                continue;
            }
            int i = keep[k];
            int cls = classes[i];
            detections.add(new Detection(x1, y1, x2, y2, cls, categories.toCategoryId(cls), categories.name(cls), scores[i]));
        }
        return new ImageDetections(meta, detections);
    }

    /** Metadata of an input that was not resized, flipped or padded: network pixels are image pixels. */
    public static ImageMeta identityMeta(long imageId, int width, int height) {
        return new ImageMeta(imageId, null, width, height, width, height, 1.0, 1.0, false);
    }

    private static double clamp(double v, double lo, double hi) {
        return v < lo ? lo : (v > hi ? hi : v);
    }

    /**
     * Orders candidates: higher score first, then lower flat index (as a stable sort would). Sigmoid scores
     * are in [0, 1], where float bit patterns order like the values.
     */
    static long rankKey(float score, int flatIndex) {
        return ((long) Float.floatToIntBits(score) << 32) | (0xffffffffL - flatIndex);
    }

    static int indexOf(long key) {
        return (int) (0xffffffffL - (key & 0xffffffffL));
    }

    private static void siftUp(long[] h, int i) {
        long v = h[i];
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (h[parent] <= v) {
                break;
            }
            h[i] = h[parent];
            i = parent;
        }
        h[i] = v;
    }

    private static void siftDown(long[] h, int size) {
        long v = h[0];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && h[child + 1] < h[child]) {
                child++;
            }
            if (h[child] >= v) {
                break;
            }
            h[i] = h[child];
            i = child;
        }
        h[i] = v;
    }

    private void checkShapes(INDArray logits, INDArray deltas, INDArray anchors, int[] perLevel, List<ImageMeta> metas) {
        if (logits.rank() != 3) {
            throw new IllegalArgumentException("class logits must be [N, C, A], got " + Arrays.toString(logits.shape()));
        }
        if (deltas.rank() != 3 || deltas.size(1) != 4 || deltas.size(0) != logits.size(0) || deltas.size(2) != logits.size(2)) {
            throw new IllegalArgumentException("box deltas must be [N, 4, A] = [" + logits.size(0) + ", 4, "
                    + logits.size(2) + "], got " + Arrays.toString(deltas.shape()));
        }
        if (logits.size(1) != categories.size()) {
            throw new IllegalArgumentException("class logits have " + logits.size(1) + " classes but the category mapping has "
                    + categories.size());
        }
        if (anchors.rank() != 2 || anchors.size(1) != 4 || anchors.size(0) != logits.size(2)) {
            throw new IllegalArgumentException("anchors must be [A, 4] with A = " + logits.size(2) + ", got "
                    + Arrays.toString(anchors.shape()));
        }
        long sum = 0;
        for (int count : perLevel) {
            if (count < 0) {
                throw new IllegalArgumentException("negative anchor count per level: " + Arrays.toString(perLevel));
            }
            sum += count;
        }
        if (sum != logits.size(2)) {
            throw new IllegalArgumentException("anchors per level " + Arrays.toString(perLevel) + " sum to " + sum
                    + " but the outputs have A = " + logits.size(2));
        }
        if (metas == null || metas.size() != logits.size(0)) {
            throw new IllegalArgumentException("need one ImageMeta per image: batch " + logits.size(0) + ", metas "
                    + (metas == null ? "null" : metas.size()));
        }
    }
}
