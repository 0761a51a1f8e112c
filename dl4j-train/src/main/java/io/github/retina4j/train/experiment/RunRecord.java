package io.github.retina4j.train.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of one run of the grid (one method, one seed), as {@code results.json} lists it. AP values are in [0, 1]
 * as pycocotools and lvis-api report them; −1 (their "undefined", e.g. no rare class in the validation set) is kept.
 *
 * @param method        method name
 * @param seed          seed of the run
 * @param iterations    training iterations
 * @param trainSeconds  wall time of the training (summed over resumed invocations; for an evaluation-only method, that
 *                      of the run whose model it evaluates)
 * @param evalSeconds   wall time of detection and evaluation
 * @param finalLoss     training loss of the last iteration
 * @param trainedBy     the method whose training produced the evaluated model (the method itself unless
 *                      evaluation-only)
 * @param coco          COCO protocol: {@link #COCO_METRICS}
 * @param lvis          LVIS protocol: {@link #LVIS_METRICS}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRecord(@JsonProperty("method") String method,
                        @JsonProperty("seed") long seed,
                        @JsonProperty("iterations") int iterations,
                        @JsonProperty("train_seconds") double trainSeconds,
                        @JsonProperty("eval_seconds") double evalSeconds,
                        @JsonProperty("final_loss") double finalLoss,
                        @JsonProperty("trained_by") String trainedBy,
                        @JsonProperty("coco") Map<String, Double> coco,
                        @JsonProperty("lvis") Map<String, Double> lvis) {

    public static final List<String> COCO_METRICS = List.of("AP", "AP50", "AP75");
    public static final List<String> LVIS_METRICS = List.of("AP", "APr", "APc", "APf");

    public RunRecord {
        Objects.requireNonNull(method, "method");
        coco = coco == null ? Map.of() : new LinkedHashMap<>(coco);
        lvis = lvis == null ? Map.of() : new LinkedHashMap<>(lvis);
    }

    /** The value of a metric by its qualified name ({@code coco.AP75}, {@code lvis.APr}); NaN if absent or undefined. */
    public double metric(String qualified) {
        int dot = qualified.indexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("metric must be coco.NAME or lvis.NAME, got '" + qualified + "'");
        }
        String protocol = qualified.substring(0, dot);
        Map<String, Double> m = switch (protocol) {
            case "coco" -> coco;
            case "lvis" -> lvis;
            default -> throw new IllegalArgumentException("metric must be coco.NAME or lvis.NAME, got '" + qualified + "'");
        };
        Double v = m.get(qualified.substring(dot + 1));
        // pycocotools and lvis-api report −1 for a statistic with nothing to average
        return v == null || v < 0 || v.isNaN() ? Double.NaN : v;
    }

    /** The seven headline metrics, qualified: COCO AP, AP50, AP75, LVIS AP, APr, APc, APf. */
    public static List<String> headlineMetrics() {
        return java.util.stream.Stream.concat(COCO_METRICS.stream().map(m -> "coco." + m),
                LVIS_METRICS.stream().map(m -> "lvis." + m)).toList();
    }
}
