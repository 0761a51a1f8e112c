package io.github.retina4j.data.targets;

import io.github.retina4j.data.boxes.Boxes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Max-IoU anchor assignment (RetinaNet, Lin et al. 2017, §4 "Anchors": IoU ≥ 0.5 foreground, [0, 0.4) background,
 * [0.4, 0.5) ignored), with the low-quality-match rule of {@link LowQualityMatching} and crowd/ignore regions
 * (mmdetection {@code ignore_iof_thr}: an anchor whose intersection-over-its-own-area with an ignore box exceeds the
 * threshold is ignored and takes part in no match).
 *
 * <p>Hand-written primitive code (one fused pass over anchors × gts, no {@code [G, A]} matrix is materialised): the
 * ND4J equivalent needs about ten full passes over the matrix. The IoU formula and operation order are torchvision's
 * {@code box_iou}, so ties are reproduced exactly. A ground truth that overlaps no anchor gets no low-quality match
 * (torchvision would turn every anchor into a positive in that case). Immutable and thread-safe.
 */
public final class MaxIoUAssigner {

    /**
     * Assigner configuration.
     *
     * @param positiveIouThreshold anchors with best IoU ≥ this are positive (0.5)
     * @param negativeIouThreshold anchors with best IoU &lt; this are background (0.4); in between: ignored
     * @param lowQualityMatching   the low-quality rule
     * @param lowQualityMinIou     low-quality matches only for gts whose best IoU is ≥ this (mmdetection
     *                             {@code min_pos_iou}; RetinaNet uses 0) and always &gt; 0
     * @param ignoreIofThreshold   anchors with IoF &gt; this with an ignore (crowd) box are ignored; negative disables
     */
    public record Config(double positiveIouThreshold, double negativeIouThreshold, LowQualityMatching lowQualityMatching,
                         double lowQualityMinIou, double ignoreIofThreshold) {

        /** RetinaNet §4: foreground IoU threshold. */
        public static final double RETINANET_POSITIVE_IOU = 0.5;
        /** RetinaNet §4: background IoU threshold. */
        public static final double RETINANET_NEGATIVE_IOU = 0.4;
        /** Crowd regions: an anchor half inside a crowd box is ignored (mmdetection/detectron2 common setting). */
        public static final double DEFAULT_IGNORE_IOF = 0.5;

        public Config {
            if (!(negativeIouThreshold <= positiveIouThreshold) || negativeIouThreshold < 0 || positiveIouThreshold > 1) {
                throw new IllegalArgumentException("need 0 <= negativeIouThreshold <= positiveIouThreshold <= 1, got "
                        + negativeIouThreshold + " / " + positiveIouThreshold);
            }
            if (lowQualityMatching == null) {
                throw new IllegalArgumentException("lowQualityMatching must be set");
            }
            if (Double.isNaN(lowQualityMinIou) || Double.isNaN(ignoreIofThreshold)) {
                throw new IllegalArgumentException("thresholds must not be NaN");
            }
        }

        /** RetinaNet defaults with torchvision's low-quality rule (matches the reference fixture). */
        public static Config retinaNet() {
            return new Config(RETINANET_POSITIVE_IOU, RETINANET_NEGATIVE_IOU, LowQualityMatching.TORCHVISION, 0.0, DEFAULT_IGNORE_IOF);
        }

        public Config withLowQualityMatching(LowQualityMatching rule) {
            return new Config(positiveIouThreshold, negativeIouThreshold, rule, lowQualityMinIou, ignoreIofThreshold);
        }

        public Config withIgnoreIofThreshold(double thr) {
            return new Config(positiveIouThreshold, negativeIouThreshold, lowQualityMatching, lowQualityMinIou, thr);
        }
    }

    private final Config config;

    public MaxIoUAssigner(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /**
     * Assigns anchors {@code [A, 4]} to ground truths {@code [G, 4]}; {@code ignoreBoxes [K, 4]} may be null or empty.
     */
    public Assignment assign(INDArray anchors, INDArray gtBoxes, INDArray ignoreBoxes) {
        return assign(Boxes.toFlat(anchors, "anchors"), Boxes.toFlat(gtBoxes, "gt boxes"),
                ignoreBoxes == null ? new double[0] : Boxes.toFlat(ignoreBoxes, "ignore boxes"));
    }

    /** Primitive variant on flat row-major box arrays (lengths 4A, 4G, 4K). */
    public Assignment assign(double[] anchors, double[] gt, double[] ignore) {
        requireFlat(anchors, "anchors", false);
        requireFlat(gt, "gt boxes", true);
        requireFlat(ignore, "ignore boxes", true);
        int numAnchors = anchors.length / 4;
        int numGt = gt.length / 4;
        int[] matched = new int[numAnchors];
        double[] maxIou = new double[numAnchors];
        boolean[] inCrowd = crowdMask(anchors, ignore);

        if (numGt == 0) {
            // No objects: every anchor is background (torchvision RetinaNetHead.compute_loss), crowd regions ignored.
            for (int a = 0; a < numAnchors; a++) {
                boolean crowd = inCrowd != null && inCrowd[a];
                matched[a] = crowd ? Assignment.IGNORED : Assignment.BACKGROUND;
                maxIou[a] = crowd ? -1 : 0;
            }
            return new Assignment(matched, maxIou, 0);
        }

        double[] gx1 = new double[numGt], gy1 = new double[numGt], gx2 = new double[numGt], gy2 = new double[numGt];
        double[] gArea = new double[numGt];
        for (int g = 0; g < numGt; g++) {
            gx1[g] = gt[4 * g];
            gy1[g] = gt[4 * g + 1];
            gx2[g] = gt[4 * g + 2];
            gy2[g] = gt[4 * g + 3];
            gArea[g] = (gx2[g] - gx1[g]) * (gy2[g] - gy1[g]);
        }
        // Per gt: best IoU so far and the anchors reaching it (reset whenever it improves), for the low-quality rule.
        double[] gtBest = new double[numGt];
        int[][] bestAnchors = new int[numGt][4];
        int[] bestCount = new int[numGt];
        int[] argmax = new int[numAnchors];
        double pos = config.positiveIouThreshold();
        double neg = config.negativeIouThreshold();

        for (int a = 0; a < numAnchors; a++) {
            if (inCrowd != null && inCrowd[a]) {
                matched[a] = Assignment.IGNORED;
                maxIou[a] = -1;
                continue;
            }
            double ax1 = anchors[4 * a], ay1 = anchors[4 * a + 1], ax2 = anchors[4 * a + 2], ay2 = anchors[4 * a + 3];
            double aArea = (ax2 - ax1) * (ay2 - ay1);
            double best = 0;
            int arg = 0;
            for (int g = 0; g < numGt; g++) {
                double iw = Math.min(ax2, gx2[g]) - Math.max(ax1, gx1[g]);
                if (iw <= 0) {
                    continue;
                }
                double ih = Math.min(ay2, gy2[g]) - Math.max(ay1, gy1[g]);
                if (ih <= 0) {
                    continue;
                }
                double inter = iw * ih;
                // torchvision box_iou: area(gt) + area(anchor) − inter
                double union = gArea[g] + aArea - inter;
                if (!(union > 0)) {
                    continue;
                }
                double iou = inter / union;
                if (iou > best) {
                    best = iou;
                    arg = g;
                }
                double gb = gtBest[g];
                if (iou >= gb) {
                    if (iou > gb) {
                        gtBest[g] = iou;
                        bestCount[g] = 0;
                    }
                    if (bestCount[g] == bestAnchors[g].length) {
                        bestAnchors[g] = Arrays.copyOf(bestAnchors[g], bestAnchors[g].length * 2);
                    }
                    bestAnchors[g][bestCount[g]++] = a;
                }
            }
            maxIou[a] = best;
            argmax[a] = arg;
            matched[a] = best >= pos ? arg : (best >= neg ? Assignment.IGNORED : Assignment.BACKGROUND);
        }

        if (config.lowQualityMatching() != LowQualityMatching.NONE) {
            boolean own = config.lowQualityMatching() == LowQualityMatching.TORCHVISION;
            for (int g = 0; g < numGt; g++) {
                if (!(gtBest[g] > 0) || gtBest[g] < config.lowQualityMinIou()) {
                    continue;
                }
                for (int k = 0; k < bestCount[g]; k++) {
                    int a = bestAnchors[g][k];
                    matched[a] = own ? argmax[a] : g;
                }
            }
        }
        return new Assignment(matched, maxIou, numGt);
    }

    /** Anchors inside ignore regions (IoF over the anchor's own area &gt; threshold), or null if there are none. */
    private boolean[] crowdMask(double[] anchors, double[] ignore) {
        int k = ignore.length / 4;
        if (k == 0 || config.ignoreIofThreshold() < 0) {
            return null;
        }
        int numAnchors = anchors.length / 4;
        boolean[] mask = new boolean[numAnchors];
        double thr = config.ignoreIofThreshold();
        for (int a = 0; a < numAnchors; a++) {
            double ax1 = anchors[4 * a], ay1 = anchors[4 * a + 1], ax2 = anchors[4 * a + 2], ay2 = anchors[4 * a + 3];
            double aArea = (ax2 - ax1) * (ay2 - ay1);
            if (!(aArea > 0)) {
                continue;
            }
            for (int c = 0; c < k; c++) {
                double iw = Math.min(ax2, ignore[4 * c + 2]) - Math.max(ax1, ignore[4 * c]);
                double ih = Math.min(ay2, ignore[4 * c + 3]) - Math.max(ay1, ignore[4 * c + 1]);
                if (iw > 0 && ih > 0 && iw * ih / aArea > thr) {
                    mask[a] = true;
                    break;
                }
            }
        }
        return mask;
    }

    private static void requireFlat(double[] boxes, String what, boolean ordered) {
        if (boxes == null || boxes.length % 4 != 0) {
            throw new IllegalArgumentException(what + ": flat box array must have a length divisible by 4, got "
                    + (boxes == null ? "null" : boxes.length));
        }
        for (int i = 0; i < boxes.length; i++) {
            if (!Double.isFinite(boxes[i])) {
                throw new IllegalArgumentException(what + ": box " + i / 4 + " coordinate " + i % 4 + " is " + boxes[i]);
            }
        }
        if (ordered) {
            for (int b = 0; b < boxes.length / 4; b++) {
                if (boxes[4 * b + 2] < boxes[4 * b] || boxes[4 * b + 3] < boxes[4 * b + 1]) {
                    throw new IllegalArgumentException(what + ": box " + b + " has x2 < x1 or y2 < y1: "
                            + Arrays.toString(Arrays.copyOfRange(boxes, 4 * b, 4 * b + 4)));
                }
            }
        }
    }
}
