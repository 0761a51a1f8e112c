package io.github.retina4j.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.data.stats.CategoryStat;
import io.github.retina4j.data.stats.CategoryStatistics;
import io.github.retina4j.eval.CategoryMetrics;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;
import io.github.retina4j.coco.ResultsJson;
import io.github.retina4j.cli.Evaluations;
import io.github.retina4j.report.ApVsFrequencyChart;
import io.github.retina4j.report.DetectionPainter;
import io.github.retina4j.report.DetectionPainter.DrawnBox;
import io.github.retina4j.report.LossCurveChart;
import io.github.retina4j.train.LossPoint;
import io.github.retina4j.models.inference.Detection;
import io.github.retina4j.models.inference.ImageDetections;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** The demo's report folder: metrics JSON, loss curve, AP vs class frequency, drawn validation images. */
public final class DemoReport {

    public static final String METRICS = "metrics.json";
    public static final String LOSS_CURVE = "loss-curve.png";
    public static final String AP_VS_FREQUENCY = "ap-vs-frequency.png";
    public static final String DETECTIONS = "detections_val.json";
    public static final String IMAGES_DIR = "val-images";
    /** Detections drawn on the validation pictures (the evaluation uses all of them). */
    public static final double DRAW_SCORE_THRESHOLD = 0.3;

    private DemoReport() {
    }

    /** Everything the report is made of. */
    public record Inputs(List<LossPoint> history, Map<Evaluation.Protocol, EvaluationSummary> summaries,
                         CategoryStatistics trainStats, CocoDataset val, Path valImages,
                         Map<Long, ImageDetections> detections, List<DetectionResult> results, int imagesToDraw,
                         Map<String, Object> run) {
    }

    public static void write(Path out, Inputs in) {
        try {
            Files.createDirectories(out);
            LossCurveChart.write(LossPoint.iterations(in.history()), LossPoint.losses(in.history()), "RetinaNet on shapes-lt: training loss", out.resolve(LOSS_CURVE));
            List<ApVsFrequencyChart.ClassPoint> points = perClass(in);
            ApVsFrequencyChart.write(points, "Per-class COCO AP vs training frequency (shapes-lt val)",
                    out.resolve(AP_VS_FREQUENCY));
            ResultsJson.write(out.resolve(DETECTIONS), in.results());
            drawImages(out.resolve(IMAGES_DIR), in);
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            ObjectNode headline = root.putObject("headline");
            in.summaries().forEach((p, s) -> s.headline().forEach((k, v) ->
                    headline.put(p.name().toLowerCase(Locale.ROOT) + "_" + k, v)));
            root.set("run", json.valueToTree(in.run()));
            root.setAll(Evaluations.toJson(in.summaries()));
            ArrayNode pc = root.putArray("per_class");
            for (ApVsFrequencyChart.ClassPoint p : points) {
                ObjectNode n = pc.addObject().put("name", p.name()).put("train_images", p.trainImages()).put("group", p.group());
                if (Double.isFinite(p.ap())) n.put("coco_ap", p.ap()); else n.putNull("coco_ap");
            }
            json.writerWithDefaultPrettyPrinter().writeValue(out.resolve(METRICS).toFile(), root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + out + ": " + e.getMessage(), e);
        }
    }

    /** Per class: training image count and group (data stats) with the COCO per-category AP. */
    static List<ApVsFrequencyChart.ClassPoint> perClass(Inputs in) {
        EvaluationSummary coco = in.summaries().get(Evaluation.Protocol.COCO);
        Map<Long, Double> ap = new HashMap<>();
        if (coco != null) {
            for (CategoryMetrics m : coco.perCategory()) {
                ap.put(m.categoryId(), m.ap() < 0 ? Double.NaN : m.ap()); // pycocotools: -1 = no ground truth
            }
        }
        List<ApVsFrequencyChart.ClassPoint> out = new ArrayList<>();
        for (CategoryStat s : in.trainStats().categories()) {
            out.add(new ApVsFrequencyChart.ClassPoint(s.name(), s.imageCount(),
                    ap.getOrDefault((long) s.categoryId(), Double.NaN), s.group().name().toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    private static void drawImages(Path dir, Inputs in) throws IOException {
        Files.createDirectories(dir);
        CategoryMapping mapping = in.val().categoryMapping();
        int drawn = 0;
        for (ImageInfo info : in.val().images()) {
            if (drawn >= in.imagesToDraw()) break;
            BufferedImage image = ImageIO.read(in.valImages().resolve(info.resolvedFileName()).toFile());
            if (image == null) {
                throw new IllegalArgumentException("cannot decode validation image " + info.resolvedFileName());
            }
            List<DrawnBox> truth = new ArrayList<>();
            for (Annotation a : in.val().annotationsOf(info.id())) {
                int idx = mapping.toIndex(a.categoryId());
                truth.add(DrawnBox.truth(a.x(), a.y(), a.x2(), a.y2(), idx, mapping.name(idx)));
            }
            List<DrawnBox> dets = new ArrayList<>();
            ImageDetections d = in.detections().get(info.id());
            if (d != null) {
                for (Detection x : d.detections()) {
                    if (x.score() >= DRAW_SCORE_THRESHOLD) {
                        dets.add(new DrawnBox(x.x1(), x.y1(), x.x2(), x.y2(), x.classIndex(), x.categoryName(), x.score()));
                    }
                }
            }
            DetectionPainter.write(DetectionPainter.draw(image, truth, dets), dir.resolve("val_" + info.id() + ".png"));
            drawn++;
        }
    }
}
