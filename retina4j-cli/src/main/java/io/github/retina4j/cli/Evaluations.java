package io.github.retina4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs the COCO and/or LVIS protocol on one dataset + detections (shared by eval and demo). */
public final class Evaluations {

    private Evaluations() {
    }

    /** Which protocols "coco" | "lvis" | "both" | "auto" (LVIS for a file with LVIS fields, else COCO) selects. */
    public static List<Evaluation.Protocol> protocols(String metric, CocoDataset gt) {
        List<Evaluation.Protocol> p = new ArrayList<>();
        switch (metric) {
            case "coco" -> p.add(Evaluation.Protocol.COCO);
            case "lvis" -> p.add(Evaluation.Protocol.LVIS);
            case "both" -> {
                p.add(Evaluation.Protocol.COCO);
                p.add(Evaluation.Protocol.LVIS);
            }
            case "auto" -> p.add(gt.isLvis() ? Evaluation.Protocol.LVIS : Evaluation.Protocol.COCO);
            default -> throw new IllegalArgumentException("--metric must be coco, lvis, both or auto, got '" + metric + "'");
        }
        if (p.contains(Evaluation.Protocol.LVIS) && !gt.isLvis()) {
            throw new IllegalArgumentException("the LVIS protocol needs an LVIS annotation file (categories with 'frequency', "
                    + "images with 'neg_category_ids'); this one is plain COCO");
        }
        return p;
    }

    /** Evaluates with each protocol, in order. */
    public static Map<Evaluation.Protocol, EvaluationSummary> run(CocoDataset gt, List<DetectionResult> dets,
                                                                  List<Evaluation.Protocol> protocols) {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        Map<Evaluation.Protocol, EvaluationSummary> out = new LinkedHashMap<>();
        for (Evaluation.Protocol p : protocols) {
            out.put(p, Evaluation.evaluate(gt, dets, p, threads));
        }
        return out;
    }

    /** {"coco": {...}, "lvis": {...}} with each summary's own JSON. */
    public static ObjectNode toJson(Map<Evaluation.Protocol, EvaluationSummary> results) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        try {
            for (Map.Entry<Evaluation.Protocol, EvaluationSummary> e : results.entrySet()) {
                root.set(e.getKey().name().toLowerCase(), json.readTree(e.getValue().toJson()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return root;
    }
}
