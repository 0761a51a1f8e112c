package io.github.retina4j.eval;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Shared text-table and JSON helpers of the evaluation results. */
final class ReportWriter {

    private static final JsonFactory FACTORY = new JsonFactory();

    interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    private ReportWriter() {
    }

    static String json(JsonBody body) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    static void writeFile(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static void params(JsonGenerator g, EvalParams p) throws IOException {
        g.writeObjectFieldStart("params");
        g.writeArrayFieldStart("iou_thresholds");
        for (double t : p.iouThresholds()) {
            g.writeNumber(t);
        }
        g.writeEndArray();
        g.writeNumberField("recall_points", p.recallThresholds().length);
        g.writeArrayFieldStart("area_ranges");
        for (AreaRange a : p.areaRanges()) {
            g.writeStartObject();
            g.writeStringField("label", a.label());
            g.writeNumberField("min", a.min());
            g.writeNumberField("max", a.max());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("max_dets");
        for (int m : p.maxDets()) {
            g.writeNumber(m);
        }
        g.writeEndArray();
        if (p.maxDetsPerImage() > 0) {
            g.writeNumberField("max_dets_per_image", p.maxDetsPerImage());
        }
        g.writeEndObject();
    }

    static void counts(JsonGenerator g, Map<String, Long> counts) throws IOException {
        g.writeObjectFieldStart("counts");
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }

    static void perCategory(JsonGenerator g, List<CategoryMetrics> list, String arName) throws IOException {
        g.writeArrayFieldStart("per_category");
        for (CategoryMetrics c : list) {
            g.writeStartObject();
            g.writeNumberField("id", c.categoryId());
            g.writeStringField("name", c.name());
            if (c.frequency() != null) {
                g.writeStringField("frequency", c.frequency());
            }
            g.writeNumberField("num_gt", c.numGt());
            g.writeNumberField("AP", c.ap());
            g.writeNumberField("AP50", c.ap50());
            g.writeNumberField("AP75", c.ap75());
            g.writeNumberField(arName, c.ar());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    /** The IoU range label of a summary line, e.g. {@code 0.50:0.95}. */
    static String iouRange(EvalParams p) {
        double[] iou = p.iouThresholds();
        return String.format(Locale.ROOT, "%.2f:%.2f", iou[0], iou[iou.length - 1]);
    }

    /**
     * One line as pycocotools' {@code summarize()} / lvis-api's {@code print_results()} print it;
     * {@code beforeBracket} is what stands between maxDets and the closing bracket (" " for COCO,
     * " catIds=xxx" for LVIS).
     */
    static String summaryLine(boolean ap, String iou, String area, String maxDets, String beforeBracket, double value) {
        return String.format(Locale.ROOT, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3s%s] = %.3f%n",
                ap ? "Average Precision" : "Average Recall", ap ? "(AP)" : "(AR)", iou, area, maxDets, beforeBracket, value);
    }

    /** The whole results JSON: evaluation kind, headline numbers under {@code field}, per category, params, counts. */
    static void resultJson(JsonGenerator g, String evaluation, String field, Map<String, Double> numbers,
                           List<CategoryMetrics> perCategory, String arName, EvalParams params, Map<String, Long> counts)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("evaluation", evaluation);
        g.writeObjectFieldStart(field);
        for (Map.Entry<String, Double> e : numbers.entrySet()) {
            g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        perCategory(g, perCategory, arName);
        params(g, params);
        counts(g, counts);
        g.writeEndObject();
    }

    /** A per-category table, one row per category, numbers with 3 decimals ("-" when no ground truth). */
    static String perCategoryTable(List<CategoryMetrics> list, String arName, boolean withFrequency) {
        int nameWidth = 8;
        for (CategoryMetrics c : list) {
            nameWidth = Math.max(nameWidth, Math.min(40, c.name().length()));
        }
        StringBuilder sb = new StringBuilder();
        String head = String.format(Locale.ROOT, "%8s  %-" + nameWidth + "s %s %7s %7s %7s %7s %7s%n", "id", "category",
                withFrequency ? "freq" : "", "num_gt", "AP", "AP50", "AP75", arName);
        sb.append(head);
        for (CategoryMetrics c : list) {
            String name = c.name().length() > 40 ? c.name().substring(0, 37) + "..." : c.name();
            sb.append(String.format(Locale.ROOT, "%8d  %-" + nameWidth + "s %s %7d %7s %7s %7s %7s%n", c.categoryId(), name,
                    withFrequency ? String.format(Locale.ROOT, "%4s", c.frequency() == null ? "-" : c.frequency()) : "",
                    c.numGt(), num(c.ap()), num(c.ap50()), num(c.ap75()), num(c.ar())));
        }
        return sb.toString();
    }

    private static String num(double v) {
        return v < 0 ? "-" : String.format(Locale.ROOT, "%.3f", v);
    }
}
