package io.github.retina4j.eval;

import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Result of an {@link LvisEvaluator} run: lvis-api's {@code eval['precision']} [T, R, K, A] and
 * {@code eval['recall']} [T, K, A], its {@code results} (AP, AP50, AP75, APs, APm, APl, APr, APc,
 * APf, AR@300, ARs@300, ARm@300, ARl@300), per-category AP, a printable summary and JSON.
 */
public final class LvisEvalResult extends EvalResultBase {

    private static final String[] FREQUENCIES = {"r", "c", "f"};

    private final String[] frequency;
    private final Map<String, Double> results;
    private final String maxDetsLabel;

    LvisEvalResult(EvalParams params, GroundTruth gt, EvaluationEngine.Curves curves, long detections, long beyondPerImage,
                   long zeroArea, long notFederated, long evaluated, long gtZeroArea) {
        super(params, gt, curves);
        this.frequency = gt.categoryFrequency.clone();
        this.maxDetsLabel = String.valueOf(params.maxDetsPerImage() > 0 ? params.maxDetsPerImage() : params.largestMaxDets());
        this.results = Collections.unmodifiableMap(computeResults());
        Map<String, Long> c = groundTruthCounts(gt);
        c.put("annotations_without_positive_area", gtZeroArea);
        c.put("detections", detections);
        c.put("detections_beyond_max_dets_per_image", beyondPerImage);
        c.put("detections_without_positive_area", zeroArea);
        c.put("detections_outside_federated_sets", notFederated);
        c.put("detections_evaluated", evaluated);
        setSummaries(computePerCategory(gt.categoryNames, curves.numGt()), c);
    }


    private int[] group(String f) {
        int n = 0;
        int[] out = new int[categoryIds.length];
        for (int k = 0; k < categoryIds.length; k++) {
            if (f.equals(frequency[k])) {
                out[n++] = k;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    /** lvis-api {@code _summarize('ap'|'ar', iou_thr, area_rng, freq_group_idx)}; the last maxDets. */
    private double summarize(boolean ap, Double iou, String area, String freq) {
        int[] t = iou == null ? null : CurveMeans.one(params.iouIndex(iou));
        int[] a = CurveMeans.one(params.areaIndex(area));
        int[] m = {params.maxDets().length - 1};
        int[] k = freq == null ? null : group(freq);
        return ap ? CurveMeans.meanValid(precision, precisionShape(), new int[][] {t, null, k, a, m})
                : CurveMeans.meanValid(recall, recallShape(), new int[][] {t, null, a, m});
    }

    private Map<String, Double> computeResults() {
        String[] al = {"all", "small", "medium", "large"};
        for (int i = 0; i < al.length && i < params.areaRanges().size(); i++) {
            al[i] = params.areaRanges().get(i).label();
        }
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("AP", summarize(true, null, al[0], null));
        r.put("AP50", summarize(true, 0.5, al[0], null));
        r.put("AP75", summarize(true, 0.75, al[0], null));
        r.put("APs", summarize(true, null, al[1], null));
        r.put("APm", summarize(true, null, al[2], null));
        r.put("APl", summarize(true, null, al[3], null));
        for (String f : FREQUENCIES) {
            r.put("AP" + f, summarize(true, null, al[0], f));
        }
        r.put("AR@" + maxDetsLabel, summarize(false, null, al[0], null));
        r.put("ARs@" + maxDetsLabel, summarize(false, null, al[1], null));
        r.put("ARm@" + maxDetsLabel, summarize(false, null, al[2], null));
        r.put("ARl@" + maxDetsLabel, summarize(false, null, al[3], null));
        return r;
    }

    private List<CategoryMetrics> computePerCategory(String[] names, int[] numGt) {
        int[] all = {0};
        int[] m = {params.maxDets().length - 1};
        int[] t50 = CurveMeans.one(params.iouIndex(0.5));
        int[] t75 = CurveMeans.one(params.iouIndex(0.75));
        List<CategoryMetrics> out = new ArrayList<>();
        int[] shape = precisionShape();
        for (int k = 0; k < categoryIds.length; k++) {
            int[] kk = {k};
            out.add(new CategoryMetrics(categoryIds[k], names[k], frequency[k], numGt[k * params.areaRanges().size()],
                    CurveMeans.meanValid(precision, shape, new int[][] {null, null, kk, all, m}),
                    CurveMeans.meanValid(precision, shape, new int[][] {t50, null, kk, all, m}),
                    CurveMeans.meanValid(precision, shape, new int[][] {t75, null, kk, all, m}),
                    CurveMeans.meanValid(recall, recallShape(), new int[][] {null, kk, all, m})));
        }
        return out;
    }

    /** lvis-api's {@code results}, in its order (AP, AP50, AP75, APs, APm, APl, APr, APc, APf, AR@300, ARs@300, ARm@300, ARl@300). */
    public Map<String, Double> results() {
        return results;
    }

    @Override
    public Map<String, Double> headline() {
        return results;
    }

    /** One number of {@link #results()} by name. */
    public double result(String name) {
        Double v = results.get(name);
        if (v == null) {
            throw new IllegalArgumentException("unknown LVIS statistic '" + name + "', expected one of " + results.keySet());
        }
        return v;
    }

    /** Precision at IoU index t, recall point r, category index k, area a (−1 = no gt). */
    public double precision(int t, int r, int k, int a) {
        int[] s = precisionShape();
        return precision[(((t * s[1] + r) * s[2] + k) * s[3] + a) * s[4] + (s[4] - 1)];
    }

    /** Recall at IoU index t, category index k, area a (−1 = no gt). */
    public double recall(int t, int k, int a) {
        int[] s = recallShape();
        return recall[((t * s[1] + k) * s[2] + a) * s[3] + (s[3] - 1)];
    }

    /** The lines lvis-api's {@code print_results()} prints. */
    @Override
    public String summaryText() {
        String range = ReportWriter.iouRange(params);
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Double> e : results.entrySet()) {
            String key = e.getKey();
            boolean ap = key.contains("AP");
            String iouText = key.length() > 2 && Character.isDigit(key.charAt(2))
                    ? String.format(Locale.ROOT, "%.2f", Double.parseDouble(key.substring(2)) / 100) : range;
            String group = key.length() > 2 && "rcf".indexOf(key.charAt(2)) >= 0 ? key.substring(2, 3) : "all";
            String area = key.length() > 2 && "sml".indexOf(key.charAt(2)) >= 0 ? key.substring(2, 3) : "all";
            sb.append(ReportWriter.summaryLine(ap, iouText, area, maxDetsLabel,
                    String.format(Locale.ROOT, " catIds=%3s", group), e.getValue()));
        }
        return sb.toString();
    }

    /** A table of per-category AP / AP50 / AP75 / AR with the frequency group. */
    @Override
    public String perCategoryTable() {
        return ReportWriter.perCategoryTable(perCategory(), "AR@" + maxDetsLabel, true);
    }

    @Override
    public String toJson() {
        return ReportWriter.json(this::writeJson);
    }

    private void writeJson(JsonGenerator g) throws IOException {
        ReportWriter.resultJson(g, "lvis_bbox", "results", results, perCategory(), "AR@" + maxDetsLabel, params, counts());
    }
}
