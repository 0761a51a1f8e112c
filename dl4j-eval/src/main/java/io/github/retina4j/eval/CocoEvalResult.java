package io.github.retina4j.eval;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Result of a {@link CocoEvaluator} run: pycocotools' {@code eval['precision']} [T, R, K, A, M] and
 * {@code eval['recall']} [T, K, A, M], the 12 summary numbers ({@code COCOeval.stats}), per-category
 * numbers, a printable summary and JSON.
 */
public final class CocoEvalResult extends EvalResultBase {

    /** Names of the 12 summary numbers, in pycocotools' order. */
    public static final List<String> STATS_NAMES = List.of("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10",
            "AR100", "ARs", "ARm", "ARl");

    private final String[] categoryNames;
    private final int[] numGt;
    private final double[] stats;

    CocoEvalResult(EvalParams params, GroundTruth gt, EvaluationEngine.Curves curves, long detections, long truncated) {
        super(params, gt, curves);
        this.categoryNames = gt.categoryNames.clone();
        this.numGt = curves.numGt();
        this.stats = computeStats();
        Map<String, Long> c = groundTruthCounts(gt);
        c.put("detections", detections);
        c.put("detections_beyond_max_dets_per_image_and_category", truncated);
        setSummaries(computePerCategory(), c);
    }


    /** pycocotools {@code _summarize(ap, iouThr, areaRng, maxDets)}. */
    public double summarize(boolean ap, Double iouThreshold, String area, int maxDets) {
        int[] t = iouThreshold == null ? null : CurveMeans.one(params.iouIndex(iouThreshold));
        int[] a = CurveMeans.one(params.areaIndex(area));
        int[] m = CurveMeans.one(params.maxDetsIndex(maxDets));
        return ap ? CurveMeans.meanValid(precision, precisionShape(), new int[][] {t, null, null, a, m})
                : CurveMeans.meanValid(recall, recallShape(), new int[][] {t, null, a, m});
    }

    private double[] computeStats() {
        int[] md = params.maxDets();
        int last = md[md.length - 1];
        int m0 = md[0];
        int m1 = md.length > 1 ? md[1] : last;
        String[] areas = areaLabels();
        return new double[] {
            summarize(true, null, areas[0], last),
            summarize(true, 0.5, areas[0], last),
            summarize(true, 0.75, areas[0], last),
            summarize(true, null, areas[1], last),
            summarize(true, null, areas[2], last),
            summarize(true, null, areas[3], last),
            summarize(false, null, areas[0], m0),
            summarize(false, null, areas[0], m1),
            summarize(false, null, areas[0], last),
            summarize(false, null, areas[1], last),
            summarize(false, null, areas[2], last),
            summarize(false, null, areas[3], last),
        };
    }

    private String[] areaLabels() {
        String[] l = {"all", "small", "medium", "large"};
        for (int i = 0; i < l.length && i < params.areaRanges().size(); i++) {
            l[i] = params.areaRanges().get(i).label();
        }
        return l;
    }

    private List<CategoryMetrics> computePerCategory() {
        int mLast = params.maxDets().length - 1;
        int t50 = params.iouIndex(0.5);
        int t75 = params.iouIndex(0.75);
        List<CategoryMetrics> out = new ArrayList<>();
        for (int k = 0; k < categoryIds.length; k++) {
            int[] kk = {k};
            int[] all = {0};
            int[] m = {mLast};
            double ap = CurveMeans.meanValid(precision, precisionShape(), new int[][] {null, null, kk, all, m});
            double ap50 = CurveMeans.meanValid(precision, precisionShape(), new int[][] {CurveMeans.one(t50), null, kk, all, m});
            double ap75 = CurveMeans.meanValid(precision, precisionShape(), new int[][] {CurveMeans.one(t75), null, kk, all, m});
            double ar = CurveMeans.meanValid(recall, recallShape(), new int[][] {null, kk, all, m});
            out.add(new CategoryMetrics(categoryIds[k], categoryNames[k], null, numGt[k * params.areaRanges().size()], ap,
                    ap50, ap75, ar));
        }
        return Collections.unmodifiableList(out);
    }

    /** The 12 numbers of {@code COCOeval.stats}, in the order of {@link #STATS_NAMES}. */
    public double[] stats() {
        return stats.clone();
    }

    @Override
    public Map<String, Double> headline() {
        Map<String, Double> h = new LinkedHashMap<>();
        for (int i = 0; i < stats.length; i++) {
            h.put(STATS_NAMES.get(i), stats[i]);
        }
        return Collections.unmodifiableMap(h);
    }

    /** One summary number by name ("AP", "AP50", ..., "ARl"). */
    public double stat(String name) {
        int i = STATS_NAMES.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("unknown statistic '" + name + "', expected one of " + STATS_NAMES);
        }
        return stats[i];
    }

    /** Interpolated precision at IoU index t, recall point r, category index k, area a, maxDets index m (−1 = no gt). */
    public double precision(int t, int r, int k, int a, int m) {
        int[] s = precisionShape();
        return precision[(((t * s[1] + r) * s[2] + k) * s[3] + a) * s[4] + m];
    }

    /** Recall at IoU index t, category index k, area a, maxDets index m (−1 = no gt). */
    public double recall(int t, int k, int a, int m) {
        int[] s = recallShape();
        return recall[((t * s[1] + k) * s[2] + a) * s[3] + m];
    }

    /** Copy of the precision array in C order [T, R, K, A, M]. */
    public double[] precisionArray() {
        return precision.clone();
    }

    /** Copy of the recall array in C order [T, K, A, M]. */
    public double[] recallArray() {
        return recall.clone();
    }

    /** The 12 lines pycocotools' {@code summarize()} prints. */
    @Override
    public String summaryText() {
        String range = ReportWriter.iouRange(params);
        String[] ious = {range, "0.50", "0.75", range, range, range, range, range, range, range, range, range};
        String[] areas = areaLabels();
        int[] md = params.maxDets();
        int last = md[md.length - 1];
        String[] area = {areas[0], areas[0], areas[0], areas[1], areas[2], areas[3], areas[0], areas[0], areas[0], areas[1],
            areas[2], areas[3]};
        int[] maxDets = {last, last, last, last, last, last, md[0], md.length > 1 ? md[1] : last, last, last, last, last};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            sb.append(ReportWriter.summaryLine(i < 6, ious[i], area[i], Integer.toString(maxDets[i]), " ", stats[i]));
        }
        return sb.toString();
    }

    /** A table of per-category AP / AP50 / AP75 / AR. */
    @Override
    public String perCategoryTable() {
        return ReportWriter.perCategoryTable(perCategory(), "AR" + params.largestMaxDets(), false);
    }

    /** Summary, per-category numbers, parameters and counts as JSON. */
    @Override
    public String toJson() {
        return ReportWriter.json(this::writeJson);
    }

    private void writeJson(JsonGenerator g) throws IOException {
        ReportWriter.resultJson(g, "coco_bbox", "stats", headline(), perCategory(), "AR" + params.largestMaxDets(), params,
                counts());
    }
}
