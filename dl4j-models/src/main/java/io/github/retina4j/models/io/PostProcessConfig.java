package io.github.retina4j.models.io;

/**
 * Settings of the RetinaNet post-processing (DESIGN §6; Lin et al., "Focal Loss for Dense Object
 * Detection", §4 Inference): per pyramid level keep the {@code topKPerLevel} highest-scoring
 * (anchor, class) candidates whose sigmoid score exceeds {@code scoreThreshold}, decode them, run
 * class-wise NMS at {@code nmsIouThreshold} and keep the best {@code maxDetectionsPerImage}.
 *
 * @param scoreThreshold        candidates with score ≤ this are dropped before top-k
 * @param topKPerLevel          candidates kept per level and image (1000 in the paper)
 * @param nmsIouThreshold       a box is suppressed by a kept box of its class when IoU &gt; this
 * @param maxDetectionsPerImage detections kept per image after NMS
 * @param minBoxSize            boxes whose width or height (original pixels) is below this are removed
 *                              (0 = keep all, torchvision's RetinaNet keeps all)
 */
public record PostProcessConfig(double scoreThreshold, int topKPerLevel, double nmsIouThreshold,
                                int maxDetectionsPerImage, double minBoxSize) {

    /** Paper/torchvision score threshold for COCO (Lin et al. §4: "threshold detector confidence at 0.05"). */
    public static final double COCO_SCORE_THRESHOLD = 0.05;
    /** LVIS protocol: keep almost everything, 300 detections per image (Gupta et al., LVIS, §5). */
    public static final double LVIS_SCORE_THRESHOLD = 0.0001;
    /** Lin et al. §4: "top 1000 highest-scoring predictions per FPN level". */
    public static final int TOP_K_PER_LEVEL = 1000;
    /** Lin et al. §4: "non-maximum suppression with a threshold of 0.5". */
    public static final double NMS_IOU_THRESHOLD = 0.5;
    /** COCO evaluation uses at most 100 detections per image. */
    public static final int COCO_MAX_DETECTIONS = 100;
    /** LVIS evaluation uses at most 300 detections per image. */
    public static final int LVIS_MAX_DETECTIONS = 300;

    public PostProcessConfig {
        if (!(scoreThreshold >= 0 && scoreThreshold < 1)) {
            throw new IllegalArgumentException("scoreThreshold must be in [0, 1), got " + scoreThreshold);
        }
        if (topKPerLevel < 1) {
            throw new IllegalArgumentException("topKPerLevel must be ≥ 1, got " + topKPerLevel);
        }
        if (!(nmsIouThreshold >= 0 && nmsIouThreshold <= 1)) {
            throw new IllegalArgumentException("nmsIouThreshold must be in [0, 1], got " + nmsIouThreshold);
        }
        if (maxDetectionsPerImage < 1) {
            throw new IllegalArgumentException("maxDetectionsPerImage must be ≥ 1, got " + maxDetectionsPerImage);
        }
        if (!(minBoxSize >= 0)) {
            throw new IllegalArgumentException("minBoxSize must be ≥ 0, got " + minBoxSize);
        }
    }

    /** COCO preset: score &gt; 0.05, top 1000 per level, NMS 0.5, 100 per image. */
    public static PostProcessConfig coco() {
        return new PostProcessConfig(COCO_SCORE_THRESHOLD, TOP_K_PER_LEVEL, NMS_IOU_THRESHOLD, COCO_MAX_DETECTIONS, 0);
    }

    /** torchvision {@code RetinaNet(detections_per_img=300)} default. */
    public static final int TORCHVISION_MAX_DETECTIONS = 300;

    /**
     * torchvision {@code RetinaNet}'s defaults (torchvision/models/detection/retinanet.py, {@code RetinaNet.__init__}:
     * {@code score_thresh=0.05, nms_thresh=0.5, detections_per_img=300, topk_candidates=1000}; no minimum box size).
     */
    public static PostProcessConfig torchvision() {
        return new PostProcessConfig(COCO_SCORE_THRESHOLD, TOP_K_PER_LEVEL, NMS_IOU_THRESHOLD, TORCHVISION_MAX_DETECTIONS, 0);
    }

    /** LVIS preset: score &gt; 0.0001, top 1000 per level, NMS 0.5, 300 per image. */
    public static PostProcessConfig lvis() {
        return new PostProcessConfig(LVIS_SCORE_THRESHOLD, TOP_K_PER_LEVEL, NMS_IOU_THRESHOLD, LVIS_MAX_DETECTIONS, 0);
    }

    public PostProcessConfig withScoreThreshold(double t) {
        return new PostProcessConfig(t, topKPerLevel, nmsIouThreshold, maxDetectionsPerImage, minBoxSize);
    }

    public PostProcessConfig withTopKPerLevel(int k) {
        return new PostProcessConfig(scoreThreshold, k, nmsIouThreshold, maxDetectionsPerImage, minBoxSize);
    }

    public PostProcessConfig withNmsIouThreshold(double t) {
        return new PostProcessConfig(scoreThreshold, topKPerLevel, t, maxDetectionsPerImage, minBoxSize);
    }

    public PostProcessConfig withMaxDetectionsPerImage(int m) {
        return new PostProcessConfig(scoreThreshold, topKPerLevel, nmsIouThreshold, m, minBoxSize);
    }

    public PostProcessConfig withMinBoxSize(double s) {
        return new PostProcessConfig(scoreThreshold, topKPerLevel, nmsIouThreshold, maxDetectionsPerImage, s);
    }
}
