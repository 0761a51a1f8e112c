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
import org.nd4j.linalg.api.shape.Shape;

import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * RetinaNet post-processing (DESIGN §6; Lin et al. 2017 §4 "Inference"; torchvision
 * {@code RetinaNet.postprocess_detections}): dense network outputs → per-image detections in original
 * image pixels with dataset category ids.
 *
 * <ol>
 *   <li>scores of the class logits {@code [N, C, A]}: ND4J's sigmoid, or the model's {@link ClassScoring}
 *       (Gumbel activation, IIF logit weights, NorCal; DESIGN §6.6);</li>
 *   <li>per image and pyramid level: the (anchor, class) pairs with score &gt; threshold, of which the
 *       {@code topKPerLevel} best (higher score, then lower index c·A + a) are kept. As in torchvision, only the
 *       kept pairs go on: {@link CandidateSelection} scans the logits once and scores only the pairs a logit
 *       bound cannot rule out (a few thousand of the millions), with the result of scoring every pair;</li>
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
        // read in place: the logits are by far the largest input and only a few thousand pairs are needed
        // (per image when the batch is too large for one NIO view: 2³¹ bytes). The NIO views do not keep the
        // native memory alive, so every array read through one is kept reachable until the end (reachabilityFence).
        boolean whole = classLogits.length() * Float.BYTES <= Integer.MAX_VALUE;
        INDArray logitArr = whole ? contiguousFloat(classLogits) : null;
        FloatBuffer logits = whole ? logitArr.data().asNioFloat() : null;
        INDArray deltaArr = contiguousFloat(boxDeltas);
        FloatBuffer deltas = deltaArr.data().asNioFloat();
        boolean doubleAnchors = anchors.dataType() == DataType.DOUBLE;
        INDArray anc = doubleAnchors ? contiguous(anchors) : contiguousFloat(anchors);
        DoubleBuffer anchorsD = doubleAnchors ? anc.data().asNioDouble() : null;
        FloatBuffer anchorsF = doubleAnchors ? null : anc.data().asNioFloat();
        CandidateSelection selection = scoring.isPlainSigmoid() ? new CandidateSelection.Sigmoid(config)
                : new CandidateSelection.Scoring(config, scoring, c);
        List<ImageDetections> out = new ArrayList<>(n);
        for (int img = 0; img < n; img++) {
            long[][] perLevel;
            if (whole) {
                perLevel = selection.select(logits, img * c * a, c, a, anchorsPerLevel);
            } else {
                INDArray image = contiguousFloat(classLogits.slice(img));
                perLevel = selection.select(image.data().asNioFloat(), 0, c, a, anchorsPerLevel);
                Reference.reachabilityFence(image);
            }
            out.add(processImage(perLevel, deltas, img * 4 * a, a, anchorsD, anchorsF, metas.get(img)));
        }
        Reference.reachabilityFence(logitArr);
        Reference.reachabilityFence(deltaArr);
        Reference.reachabilityFence(anc);
        Reference.reachabilityFence(classLogits);
        return out;
    }

    /** {@code arr} as float, c order, not a view (the array itself when it already is). */
    private static INDArray contiguousFloat(INDArray arr) {
        return contiguous(arr.dataType() == DataType.FLOAT ? arr : arr.castTo(DataType.FLOAT));
    }

    private static INDArray contiguous(INDArray arr) {
        boolean dense = !arr.isView() && arr.ordering() == 'c' && arr.offset() == 0
                && Shape.hasDefaultStridesForShape(arr) && arr.data().length() == arr.length();
        return dense ? arr : arr.dup('c');
    }

    /**
     * Decodes, clips, suppresses and maps back the selected candidates: {@code perLevel[l]} holds level l's rank keys
     * ({@link #rankKey}), best first.
     */
    private ImageDetections processImage(long[][] perLevel, FloatBuffer d, int dBase, int a, DoubleBuffer anchorsD,
                                         FloatBuffer anchorsF, ImageMeta meta) {
        int selectedCount = 0;
        for (long[] keys : perLevel) {
            selectedCount += keys.length;
        }
        // decode and clip to the valid network-input area
        double[] boxes = new double[4 * selectedCount];
        double[] scores = new double[selectedCount];
        int[] classes = new int[selectedCount];
        double[] anchor = new double[4];
        double minX = 0, minY = 0;
        double maxX = meta.validWidth(), maxY = meta.validHeight();
        int i = 0;
        for (long[] keys : perLevel) {
            for (long key : keys) {
                int idx = indexOf(key);
                int cls = idx / a;
                int j = idx - cls * a;
                for (int k = 0; k < 4; k++) {
                    anchor[k] = anchorsD != null ? anchorsD.get(4 * j + k) : anchorsF.get(4 * j + k);
                }
                coder.decode(d.get(dBase + j), d.get(dBase + a + j), d.get(dBase + 2 * a + j), d.get(dBase + 3 * a + j),
                        anchor, 0, boxes, 4 * i);
                boxes[4 * i] = clamp(boxes[4 * i], minX, maxX);
                boxes[4 * i + 1] = clamp(boxes[4 * i + 1], minY, maxY);
                boxes[4 * i + 2] = clamp(boxes[4 * i + 2], minX, maxX);
                boxes[4 * i + 3] = clamp(boxes[4 * i + 3], minY, maxY);
                scores[i] = scoreOf(key);
                classes[i] = cls;
                i++;
            }
        }
        // class-wise NMS, best maxDetections (threshold and top-k were applied per level above)
        NmsConfig nms = new NmsConfig(config.nmsIouThreshold(), Double.NEGATIVE_INFINITY, 0,
                config.maxDetectionsPerImage());
        int[] keep = BatchedNms.nms(boxes, scores, classes, nms);
        // back to original image pixels (the data pipeline's own inverse: unflip, unscale), clipped to the image
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
            int s = keep[k];
            int cls = classes[s];
            detections.add(new Detection(x1, y1, x2, y2, cls, categories.toCategoryId(cls), categories.name(cls), scores[s]));
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

    static float scoreOf(long key) {
        return Float.intBitsToFloat((int) (key >>> 32));
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
