package io.github.retina4j.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Parameters of a COCO-style bbox evaluation: IoU thresholds, recall points, area ranges and
 * max-detection limits. {@link #coco()} and {@link #lvis()} are the defaults of pycocotools'
 * {@code Params(iouType='bbox')} and lvis-api's {@code Params}.
 *
 * @param iouThresholds    T IoU thresholds, increasing
 * @param recallThresholds R recall points in [0, 1], increasing
 * @param areaRanges       A area ranges; the first one is the one used for per-category numbers
 * @param maxDets          M limits on detections per image and category, increasing; LVIS uses a
 *                         single {@link Integer#MAX_VALUE} (its limit is applied per image before
 *                         evaluation, see {@link #maxDetsPerImage})
 * @param maxDetsPerImage  LVIS: keep only the best-scoring detections of each image, before
 *                         anything else (lvis-api {@code LVISResults(max_dets=300)}); 0 = no limit
 */
public record EvalParams(double[] iouThresholds, double[] recallThresholds, List<AreaRange> areaRanges,
                         int[] maxDets, int maxDetsPerImage) {

    /** COCO/LVIS IoU thresholds 0.50:0.05:0.95 (pycocotools Params.setDetParams). */
    public static final double IOU_FROM = 0.5;
    public static final double IOU_TO = 0.95;
    public static final int IOU_COUNT = 10;
    /** 101 recall points 0:0.01:1 (pycocotools Params.setDetParams). */
    public static final int RECALL_COUNT = 101;
    /** COCO small/medium split: 32² pixels; medium/large: 96² pixels. */
    public static final double SMALL_MAX = 32 * 32;
    public static final double MEDIUM_MAX = 96 * 96;
    /** COCO maxDets 1/10/100 per image and category. */
    public static final int[] COCO_MAX_DETS = {1, 10, 100};
    /** LVIS: at most 300 detections per image (lvis-api LVISResults default). */
    public static final int LVIS_MAX_DETS_PER_IMAGE = 300;

    public EvalParams {
        Objects.requireNonNull(iouThresholds, "iouThresholds");
        Objects.requireNonNull(recallThresholds, "recallThresholds");
        Objects.requireNonNull(areaRanges, "areaRanges");
        Objects.requireNonNull(maxDets, "maxDets");
        iouThresholds = iouThresholds.clone();
        recallThresholds = recallThresholds.clone();
        areaRanges = List.copyOf(areaRanges);
        maxDets = maxDets.clone();
        requireIncreasing("iouThresholds", iouThresholds, 0, 1);
        requireIncreasing("recallThresholds", recallThresholds, 0, 1);
        if (areaRanges.isEmpty()) {
            throw new IllegalArgumentException("areaRanges must not be empty");
        }
        if (maxDets.length == 0) {
            throw new IllegalArgumentException("maxDets must not be empty");
        }
        for (int i = 0; i < maxDets.length; i++) {
            if (maxDets[i] <= 0 || (i > 0 && maxDets[i] <= maxDets[i - 1])) {
                throw new IllegalArgumentException("maxDets must be positive and increasing: " + Arrays.toString(maxDets));
            }
        }
        if (maxDetsPerImage < 0) {
            throw new IllegalArgumentException("maxDetsPerImage must be >= 0: " + maxDetsPerImage);
        }
    }

    /** Defaults of pycocotools {@code COCOeval(iouType='bbox')}. */
    public static EvalParams coco() {
        return new EvalParams(linspace(IOU_FROM, IOU_TO, IOU_COUNT), linspace(0.0, 1.0, RECALL_COUNT),
                defaultAreaRanges("all", "small", "medium", "large"), COCO_MAX_DETS, 0);
    }

    /** Defaults of lvis-api {@code LVISEval(iou_type='bbox')} with {@code LVISResults(max_dets=300)}. */
    public static EvalParams lvis() {
        return new EvalParams(linspace(IOU_FROM, IOU_TO, IOU_COUNT), linspace(0.0, 1.0, RECALL_COUNT),
                defaultAreaRanges("all", "small", "medium", "large"), new int[] {Integer.MAX_VALUE},
                LVIS_MAX_DETS_PER_IMAGE);
    }

    private static List<AreaRange> defaultAreaRanges(String all, String small, String medium, String large) {
        return List.of(new AreaRange(all, 0, AreaRange.UNBOUNDED), new AreaRange(small, 0, SMALL_MAX),
                new AreaRange(medium, SMALL_MAX, MEDIUM_MAX), new AreaRange(large, MEDIUM_MAX, AreaRange.UNBOUNDED));
    }

    /**
     * {@code numpy.linspace(start, stop, num)} bit for bit: {@code i * ((stop - start) / (num - 1)) + start},
     * last element set to {@code stop}. The exact doubles matter: a recall of 0.03 is compared with
     * the threshold {@code 3 * 0.01}, and 0.9 is really 0.8999999999999999.
     */
    public static double[] linspace(double start, double stop, int num) {
        if (num < 2) {
            throw new IllegalArgumentException("linspace needs num >= 2: " + num);
        }
        double step = (stop - start) / (num - 1);
        double[] y = new double[num];
        for (int i = 0; i < num; i++) {
            y[i] = i * step + start;
        }
        y[num - 1] = stop;
        return y;
    }

    /** Index of the IoU threshold exactly equal to {@code iou} (pycocotools {@code np.where(iouThr == p.iouThrs)}), or -1. */
    public int iouIndex(double iou) {
        for (int t = 0; t < iouThresholds.length; t++) {
            if (iouThresholds[t] == iou) {
                return t;
            }
        }
        return -1;
    }

    /** Index of the area range with this label, or -1. */
    public int areaIndex(String label) {
        for (int a = 0; a < areaRanges.size(); a++) {
            if (areaRanges.get(a).label().equals(label)) {
                return a;
            }
        }
        return -1;
    }

    /** Index of this maxDets value, or -1. */
    public int maxDetsIndex(int maxDet) {
        for (int m = 0; m < maxDets.length; m++) {
            if (maxDets[m] == maxDet) {
                return m;
            }
        }
        return -1;
    }

    /** Largest per image-and-category limit (pycocotools truncates each (image, category) to it first). */
    public int largestMaxDets() {
        return maxDets[maxDets.length - 1];
    }

    @Override
    public double[] iouThresholds() {
        return iouThresholds.clone();
    }

    @Override
    public double[] recallThresholds() {
        return recallThresholds.clone();
    }

    @Override
    public int[] maxDets() {
        return maxDets.clone();
    }

    private static void requireIncreasing(String name, double[] v, double lo, double hi) {
        if (v.length == 0) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= lo && v[i] <= hi) || (i > 0 && v[i] <= v[i - 1])) {
                throw new IllegalArgumentException(name + " must be increasing values in [" + lo + ", " + hi + "]: "
                        + Arrays.toString(v));
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EvalParams p && Arrays.equals(iouThresholds, p.iouThresholds)
                && Arrays.equals(recallThresholds, p.recallThresholds) && areaRanges.equals(p.areaRanges)
                && Arrays.equals(maxDets, p.maxDets) && maxDetsPerImage == p.maxDetsPerImage;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(iouThresholds), Arrays.hashCode(recallThresholds), areaRanges,
                Arrays.hashCode(maxDets), maxDetsPerImage);
    }

    @Override
    public String toString() {
        return "EvalParams[iouThresholds=" + Arrays.toString(iouThresholds) + ", recallThresholds=" + recallThresholds.length
                + " points, areaRanges=" + areaRanges + ", maxDets=" + Arrays.toString(maxDets) + ", maxDetsPerImage="
                + maxDetsPerImage + "]";
    }
}
