package io.github.retina4j.data.boxes;

/**
 * Parameters of {@link BatchedNms} (DESIGN §6; defaults are the RetinaNet COCO settings of torchvision/mmdetection).
 *
 * @param iouThreshold   a box is suppressed by a higher-scoring kept box of its class only if IoU &gt; this (strict)
 * @param scoreThreshold boxes with score &lt;= this are dropped before NMS (use a negative value to keep all)
 * @param preNmsTopK     at most this many highest-scoring boxes enter NMS (&lt;= 0: no limit)
 * @param maxDetections  at most this many boxes are kept after NMS (&lt;= 0: no limit)
 */
public record NmsConfig(double iouThreshold, double scoreThreshold, int preNmsTopK, int maxDetections) {

    /** RetinaNet NMS IoU threshold (Lin et al. 2017, §5.1 "Inference": NMS with threshold 0.5). */
    public static final double DEFAULT_IOU_THRESHOLD = 0.5;
    /** COCO score threshold (RetinaNet §4 "Inference": confidence 0.05). */
    public static final double COCO_SCORE_THRESHOLD = 0.05;
    /** COCO max detections per image. */
    public static final int COCO_MAX_DETECTIONS = 100;

    public NmsConfig {
        if (!(iouThreshold >= 0 && iouThreshold <= 1)) {
            throw new IllegalArgumentException("iouThreshold must be in [0, 1], got " + iouThreshold);
        }
        if (Double.isNaN(scoreThreshold)) {
            throw new IllegalArgumentException("scoreThreshold must not be NaN");
        }
    }

    /** IoU threshold 0.5 only: no score threshold, no top-k, no limit (torchvision {@code batched_nms}). */
    public static NmsConfig iouOnly(double iouThreshold) {
        return new NmsConfig(iouThreshold, Double.NEGATIVE_INFINITY, 0, 0);
    }

    /** COCO inference defaults: IoU 0.5, score &gt; 0.05, no top-k here (done per level by the decoder), 100 kept. */
    public static NmsConfig cocoDefaults() {
        return new NmsConfig(DEFAULT_IOU_THRESHOLD, COCO_SCORE_THRESHOLD, 0, COCO_MAX_DETECTIONS);
    }
}
