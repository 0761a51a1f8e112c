package io.github.retina4j.data.targets;

import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.anchors.AnchorLayout;
import io.github.retina4j.data.boxes.Boxes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Max-IoU anchor assignment (RetinaNet, Lin et al. 2017, §4 "Anchors": IoU ≥ 0.5 foreground, [0, 0.4) background,
 * [0.4, 0.5) ignored), with the low-quality-match rule of {@link LowQualityMatching} and crowd/ignore regions
 * (mmdetection {@code ignore_iof_thr}: an anchor whose intersection-over-its-own-area with an ignore box exceeds the
 * threshold is ignored and takes part in no match).
 *
 * <p>Hand-written primitive code, because the ND4J equivalent needs about ten full passes over the {@code [G, A]} matrix:
 * either one fused pass over anchors × gts (any anchors), or, for anchors of an {@link AnchorGenerator}, a visit of only
 * the anchors that can overlap each gt (found from the grid); neither materialises the matrix. The IoU formula and operation order are torchvision's
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

    /**
     * Grid-accelerated variant for anchors produced by an {@link AnchorGenerator}: for each gt (and ignore box) only the
     * anchors whose extent can overlap it are visited, found from the grid {@code layout}. Gives exactly the result of
     * {@link #assign(double[], double[], double[])} (same IoU arithmetic on the same anchor coordinates, gts visited in
     * increasing index order for every anchor) in O(overlapping pairs) instead of O(A·G).
     *
     * @param layout  the grid of {@code anchors} ({@link AnchorGenerator#layout})
     * @param anchors the anchors of that grid, flat {@code [4A]} ({@link AnchorGenerator#anchorCoordinates})
     */
    public Assignment assign(AnchorLayout layout, double[] anchors, double[] gt, double[] ignore) {
        if (layout.numAnchors() * 4 != anchors.length) {
            throw new IllegalArgumentException("layout has " + layout.numAnchors() + " anchors, anchor array " + anchors.length / 4);
        }
        requireFlat(gt, "gt boxes", true);
        requireFlat(ignore, "ignore boxes", true);
        int numAnchors = anchors.length / 4;
        int numGt = gt.length / 4;
        boolean[] inCrowd = null;
        if (ignore.length > 0 && config.ignoreIofThreshold() >= 0) {
            inCrowd = new boolean[numAnchors];
            CrowdVisitor crowd = new CrowdVisitor(anchors, inCrowd, config.ignoreIofThreshold());
            for (int k = 0; k < ignore.length / 4; k++) {
                crowd.box(ignore, k);
                visitOverlapping(layout, ignore, k, crowd);
            }
        }
        double[] maxIou = new double[numAnchors];
        int[] argmax = new int[numAnchors];
        GtVisitor v = new GtVisitor(anchors, maxIou, argmax, inCrowd, numGt);
        for (int g = 0; g < numGt; g++) {
            v.gt(gt, g);
            visitOverlapping(layout, gt, g, v);
        }
        return finish(numGt, maxIou, argmax, inCrowd, v.gtBest, v.bestAnchors, v.bestCount);
    }

    /** Calls {@code visitor} for every anchor index of the grid whose extent can overlap box {@code b} of {@code boxes}. */
    private static void visitOverlapping(AnchorLayout layout, double[] boxes, int b, AnchorVisitor visitor) {
        double bx1 = boxes[4 * b], by1 = boxes[4 * b + 1], bx2 = boxes[4 * b + 2], by2 = boxes[4 * b + 3];
        int k = layout.anchorsPerLocation();
        for (int l = 0; l < layout.numLevels(); l++) {
            int sx = layout.strideX(l), sy = layout.strideY(l), fw = layout.width(l), fh = layout.height(l);
            int start = layout.levelStart(l);
            // Envelope of the level's cell anchors: a location (x, y) can hold an overlapping anchor only if
            // x·sx + min cx1 < bx2 and x·sx + max cx2 > bx1 (same in y). Visiting whole locations keeps the anchors of
            // a row contiguous in memory; the ranges are widened by one cell and exact tests follow per pair.
            double ex1 = Double.POSITIVE_INFINITY, ey1 = Double.POSITIVE_INFINITY;
            double ex2 = Double.NEGATIVE_INFINITY, ey2 = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                ex1 = Math.min(ex1, layout.cellAnchor(l, c, 0));
                ey1 = Math.min(ey1, layout.cellAnchor(l, c, 1));
                ex2 = Math.max(ex2, layout.cellAnchor(l, c, 2));
                ey2 = Math.max(ey2, layout.cellAnchor(l, c, 3));
            }
            int xlo = (int) Math.max(0, Math.floor((bx1 - ex2) / sx));
            int xhi = (int) Math.min(fw - 1, Math.ceil((bx2 - ex1) / sx));
            int ylo = (int) Math.max(0, Math.floor((by1 - ey2) / sy));
            int yhi = (int) Math.min(fh - 1, Math.ceil((by2 - ey1) / sy));
            if (xlo > xhi) {
                continue;
            }
            for (int y = ylo; y <= yhi; y++) {
                int from = start + (y * fw + xlo) * k;
                int to = start + (y * fw + xhi + 1) * k;
                for (int a = from; a < to; a++) {
                    visitor.visit(a);
                }
            }
        }
    }

    private interface AnchorVisitor {
        void visit(int anchor);
    }

    /** Marks anchors whose IoF with the current ignore box exceeds the threshold. */
    private static final class CrowdVisitor implements AnchorVisitor {
        private final double[] anchors;
        private final boolean[] mask;
        private final double thr;
        private double bx1, by1, bx2, by2;

        CrowdVisitor(double[] anchors, boolean[] mask, double thr) {
            this.anchors = anchors;
            this.mask = mask;
            this.thr = thr;
        }

        void box(double[] boxes, int k) {
            bx1 = boxes[4 * k];
            by1 = boxes[4 * k + 1];
            bx2 = boxes[4 * k + 2];
            by2 = boxes[4 * k + 3];
        }

        @Override
        public void visit(int a) {
            double ax1 = anchors[4 * a], ay1 = anchors[4 * a + 1], ax2 = anchors[4 * a + 2], ay2 = anchors[4 * a + 3];
            double aArea = (ax2 - ax1) * (ay2 - ay1);
            double inter = Boxes.intersection(ax1, ay1, ax2, ay2, bx1, by1, bx2, by2);
            if (aArea > 0 && inter > 0 && inter / aArea > thr) {
                mask[a] = true;
            }
        }
    }

    /** Per (gt, anchor) pair: the IoU update of both the anchor's best gt and the gt's best anchors. */
    private static final class GtVisitor implements AnchorVisitor {
        private final double[] anchors;
        private final double[] maxIou;
        private final int[] argmax;
        private final boolean[] inCrowd;
        final double[] gtBest;
        final int[][] bestAnchors;
        final int[] bestCount;
        private int g;
        private double gx1, gy1, gx2, gy2, gArea;

        GtVisitor(double[] anchors, double[] maxIou, int[] argmax, boolean[] inCrowd, int numGt) {
            this.anchors = anchors;
            this.maxIou = maxIou;
            this.argmax = argmax;
            this.inCrowd = inCrowd;
            this.gtBest = new double[numGt];
            this.bestAnchors = new int[numGt][4];
            this.bestCount = new int[numGt];
        }

        void gt(double[] gt, int index) {
            g = index;
            gx1 = gt[4 * g];
            gy1 = gt[4 * g + 1];
            gx2 = gt[4 * g + 2];
            gy2 = gt[4 * g + 3];
            gArea = (gx2 - gx1) * (gy2 - gy1);
        }

        @Override
        public void visit(int a) {
            if (inCrowd != null && inCrowd[a]) {
                return;
            }
            double ax1 = anchors[4 * a], ay1 = anchors[4 * a + 1], ax2 = anchors[4 * a + 2], ay2 = anchors[4 * a + 3];
            double inter = Boxes.intersection(ax1, ay1, ax2, ay2, gx1, gy1, gx2, gy2);
            if (inter <= 0) {
                return;
            }
            // 0 exactly when the union is not positive: such a pair is skipped, as before any IoU is recorded
            double iou = Boxes.iou(inter, gArea, (ax2 - ax1) * (ay2 - ay1));
            if (!(iou > 0)) {
                return;
            }
            if (iou > maxIou[a]) {
                maxIou[a] = iou;
                argmax[a] = g;
            }
            recordBest(gtBest, bestAnchors, bestCount, g, a, iou);
        }
    }

    /** Keeps, per gt, its best IoU so far and all anchors reaching it (reset whenever it improves). */
    private static void recordBest(double[] gtBest, int[][] bestAnchors, int[] bestCount, int g, int a, double iou) {
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

    /** Thresholds, crowd codes and the low-quality rule, from per-anchor best IoU/argmax and per-gt best anchors. */
    private Assignment finish(int numGt, double[] maxIou, int[] argmax, boolean[] inCrowd, double[] gtBest,
                              int[][] bestAnchors, int[] bestCount) {
        int numAnchors = maxIou.length;
        int[] matched = new int[numAnchors];
        double pos = config.positiveIouThreshold();
        double neg = config.negativeIouThreshold();
        for (int a = 0; a < numAnchors; a++) {
            if (inCrowd != null && inCrowd[a]) {
                matched[a] = Assignment.IGNORED;
                maxIou[a] = -1;
                continue;
            }
            double best = maxIou[a];
            if (numGt == 0) {
                // No objects: every anchor is background (torchvision RetinaNetHead.compute_loss).
                matched[a] = Assignment.BACKGROUND;
                continue;
            }
            matched[a] = best >= pos ? argmax[a] : (best >= neg ? Assignment.IGNORED : Assignment.BACKGROUND);
        }
        if (numGt > 0 && config.lowQualityMatching() != LowQualityMatching.NONE) {
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

    /** Primitive variant on flat row-major box arrays (lengths 4A, 4G, 4K). */
    public Assignment assign(double[] anchors, double[] gt, double[] ignore) {
        requireFlat(anchors, "anchors", false);
        requireFlat(gt, "gt boxes", true);
        requireFlat(ignore, "ignore boxes", true);
        int numAnchors = anchors.length / 4;
        int numGt = gt.length / 4;
        boolean[] inCrowd = crowdMask(anchors, ignore);
        double[] maxIou = new double[numAnchors];
        int[] argmax = new int[numAnchors];
        double[] gx1 = new double[numGt], gy1 = new double[numGt], gx2 = new double[numGt], gy2 = new double[numGt];
        double[] gArea = new double[numGt];
        for (int g = 0; g < numGt; g++) {
            gx1[g] = gt[4 * g];
            gy1[g] = gt[4 * g + 1];
            gx2[g] = gt[4 * g + 2];
            gy2[g] = gt[4 * g + 3];
            gArea[g] = (gx2[g] - gx1[g]) * (gy2[g] - gy1[g]);
        }
        double[] gtBest = new double[numGt];
        int[][] bestAnchors = new int[numGt][4];
        int[] bestCount = new int[numGt];
        // One fused pass, anchor-major (the G gt boxes stay in L1); no [G, A] matrix is materialised.
        for (int a = 0; a < numAnchors; a++) {
            if (inCrowd != null && inCrowd[a]) {
                continue;
            }
            double ax1 = anchors[4 * a], ay1 = anchors[4 * a + 1], ax2 = anchors[4 * a + 2], ay2 = anchors[4 * a + 3];
            double aArea = (ax2 - ax1) * (ay2 - ay1);
            double best = 0;
            int arg = 0;
            for (int g = 0; g < numGt; g++) {
                double inter = Boxes.intersection(ax1, ay1, ax2, ay2, gx1[g], gy1[g], gx2[g], gy2[g]);
                if (inter <= 0) {
                    continue;
                }
                double iou = Boxes.iou(inter, gArea[g], aArea);
                if (!(iou > 0)) {
                    continue;
                }
                if (iou > best) {
                    best = iou;
                    arg = g;
                }
                recordBest(gtBest, bestAnchors, bestCount, g, a, iou);
            }
            maxIou[a] = best;
            argmax[a] = arg;
        }
        return finish(numGt, maxIou, argmax, inCrowd, gtBest, bestAnchors, bestCount);
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
                double inter = Boxes.intersection(ax1, ay1, ax2, ay2, ignore[4 * c], ignore[4 * c + 1], ignore[4 * c + 2],
                        ignore[4 * c + 3]);
                if (inter > 0 && inter / aArea > thr) {
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
