package io.github.retina4j.train.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.train.DetectorSetup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * An experiment: one dataset, a grid of methods × seeds, and the training and evaluation settings every run shares.
 * Read from JSON ({@link #read}); every key is checked, an unknown one is an error.
 *
 * <pre>{@code
 * {
 *   "dataset": {"shapes_lt": {"seed": 42, "num_classes": 30}},
 *   "methods": ["focal", "efl", "focal+rfs", "libra", "retinanet"],
 *   "seeds": [1, 2, 3],
 *   "iterations": 600, "batch_size": 8, "image_size": 192,
 *   "evaluation": {"baseline": "focal", "pairs": [{"method": "libra", "against": "retinanet"}]}
 * }
 * }</pre>
 *
 * @param dataset         the data ({@link DatasetConfig})
 * @param methods         method names ({@link Methods})
 * @param seeds           one run per method and seed; the seed sets initialisation, data order and sampling
 * @param iterations      training iterations of every run
 * @param batchSize       images per iteration (default 8)
 * @param imageSize       network input: longer side resized to this, padded to a multiple of 32 (default 192)
 * @param backbone        backbone name (default {@code small}, the CPU-sized one)
 * @param rfsThreshold    repeat factor threshold t; default 100 / training images, the class image counts that LVIS's
 *                        t = 0.001 repeats on its ~100k images
 * @param checkpointEvery checkpoint interval of each run (default a quarter of the run)
 * @param evaluation      what results.md compares ({@link EvaluationConfig})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExperimentConfig(@JsonProperty("dataset") DatasetConfig dataset,
                               @JsonProperty("methods") List<String> methods,
                               @JsonProperty("seeds") List<Long> seeds,
                               @JsonProperty("iterations") Integer iterations,
                               @JsonProperty("batch_size") Integer batchSize,
                               @JsonProperty("image_size") Integer imageSize,
                               @JsonProperty("backbone") String backbone,
                               @JsonProperty("rfs_threshold") Double rfsThreshold,
                               @JsonProperty("checkpoint_every") Integer checkpointEvery,
                               @JsonProperty("evaluation") EvaluationConfig evaluation) {

    public static final int DEFAULT_BATCH_SIZE = 8;
    public static final int DEFAULT_IMAGE_SIZE = 192;
    /** shapes-lt's RFS threshold rule: repeat the classes found in fewer than this many training images. */
    public static final double RFS_REPEATED_BELOW_IMAGES = 100;

    public ExperimentConfig {
        if (batchSize == null) batchSize = DEFAULT_BATCH_SIZE;
        if (imageSize == null) imageSize = DEFAULT_IMAGE_SIZE;
        if (backbone == null) backbone = "small";
        if (evaluation == null) evaluation = new EvaluationConfig(null, null);
        if (checkpointEvery == null && iterations != null) checkpointEvery = Math.max(1, iterations / 4);
    }

    /**
     * The data: shapes-lt generated with {@code shapes_lt}'s parameters (into {@code dir}, default
     * {@code <out>/shapes-lt}), or COCO/LVIS files. Relative paths are relative to the configuration file's folder.
     *
     * @param shapesLt         generator parameters (any subset; the rest keep {@link ShapesLtConfig}'s defaults)
     * @param dir              where shapes-lt is generated (or reused when it holds the same configuration)
     * @param trainAnnotations training annotations (COCO or LVIS JSON)
     * @param trainImageDir    training image folder
     * @param valAnnotations   validation annotations: LVIS JSON (categories with {@code frequency}); both protocols
     *                         evaluate on it
     * @param valImageDir      validation image folder
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DatasetConfig(@JsonProperty("shapes_lt") ShapesLtParams shapesLt,
                                @JsonProperty("dir") String dir,
                                @JsonProperty("train_annotations") String trainAnnotations,
                                @JsonProperty("train_image_dir") String trainImageDir,
                                @JsonProperty("val_annotations") String valAnnotations,
                                @JsonProperty("val_image_dir") String valImageDir) {

        public boolean generatesShapesLt() {
            return shapesLt != null;
        }
    }

    /** {@link ShapesLtConfig}'s parameters; unset ones keep its defaults. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ShapesLtParams(@JsonProperty("seed") Long seed,
                                 @JsonProperty("num_classes") Integer numClasses,
                                 @JsonProperty("train_images") Integer trainImages,
                                 @JsonProperty("val_images") Integer valImages,
                                 @JsonProperty("min_image_size") Integer minImageSize,
                                 @JsonProperty("max_image_size") Integer maxImageSize,
                                 @JsonProperty("min_object_size") Integer minObjectSize,
                                 @JsonProperty("max_object_size") Integer maxObjectSize,
                                 @JsonProperty("max_objects_per_image") Integer maxObjectsPerImage,
                                 @JsonProperty("head_images") Integer headImages,
                                 @JsonProperty("tail_images") Integer tailImages,
                                 @JsonProperty("negative_ids_per_image") Integer negativeIdsPerImage,
                                 @JsonProperty("not_exhaustive_rate") Double notExhaustiveRate) {

        public ShapesLtConfig toConfig() {
            ShapesLtConfig d = ShapesLtConfig.builder().build();
            ShapesLtConfig.Builder b = ShapesLtConfig.builder();
            if (seed != null) b.seed(seed);
            if (numClasses != null) b.numClasses(numClasses);
            if (trainImages != null) b.trainImages(trainImages);
            if (valImages != null) b.valImages(valImages);
            b.imageSize(minImageSize != null ? minImageSize : d.minImageSize(), maxImageSize != null ? maxImageSize : d.maxImageSize());
            b.objectSize(minObjectSize != null ? minObjectSize : d.minObjectSize(),
                    maxObjectSize != null ? maxObjectSize : d.maxObjectSize());
            if (maxObjectsPerImage != null) b.maxObjectsPerImage(maxObjectsPerImage);
            if (headImages != null || tailImages != null) {
                int train = trainImages != null ? trainImages : d.trainImages();
                b.longTail(headImages != null ? headImages : Math.min(ShapesLtConfig.DEFAULT_HEAD_IMAGES, train),
                        tailImages != null ? tailImages : d.tailImages());
            }
            if (negativeIdsPerImage != null) b.negativeIdsPerImage(negativeIdsPerImage);
            if (notExhaustiveRate != null) b.notExhaustiveRate(notExhaustiveRate);
            return b.build();
        }
    }

    /**
     * What results.md compares.
     *
     * @param baseline the method every other is compared with (default {@code focal})
     * @param pairs    further comparisons, each of one method against another
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EvaluationConfig(@JsonProperty("baseline") String baseline, @JsonProperty("pairs") List<Pair> pairs) {
        public EvaluationConfig {
            if (baseline == null) baseline = "focal";
            pairs = pairs == null ? List.of() : List.copyOf(pairs);
        }
    }

    /** One comparison: {@code method} against {@code against}. */
    public record Pair(@JsonProperty("method") String method, @JsonProperty("against") String against) {
    }

    /**
     * A tiny grid that runs in well under a minute (a smoke test of the whole runner, not a result): 6 shapes-lt classes
     * on 24 small training images, 4 iterations of 2 images at 64 px, two training methods, Libra and an evaluation-only
     * method, two seeds.
     */
    public static ExperimentConfig quick() {
        return parse("""
                {
                  "dataset": {"shapes_lt": {"seed": 7, "num_classes": 6, "train_images": 24, "val_images": 8,
                              "min_image_size": 64, "max_image_size": 96, "min_object_size": 16, "max_object_size": 32,
                              "head_images": 12, "tail_images": 1}},
                  "methods": ["focal", "efl+rfs", "libra", "retinanet"],
                  "seeds": [1, 2],
                  "iterations": 4, "batch_size": 2, "image_size": 64, "checkpoint_every": 2,
                  "evaluation": {"baseline": "focal", "pairs": [{"method": "libra", "against": "retinanet"}]}
                }
                """, "quick config");
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(SerializationFeature.INDENT_OUTPUT);

    /** Reads and {@linkplain #validate validates} a configuration file; a problem is one line naming the file and key. */
    public static ExperimentConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("experiment config not found: " + file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read experiment config " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses and validates configuration JSON; {@code source} names it in messages. */
    public static ExperimentConfig parse(String json, String source) {
        ExperimentConfig c;
        try {
            c = JSON.readValue(json, ExperimentConfig.class);
        } catch (UnrecognizedPropertyException e) {
            String where = location(e);
            String known = e.getKnownPropertyIds() == null ? "" : " (known: " + e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", ")) + ")";
            throw new IllegalArgumentException(source + ": unknown key '" + e.getPropertyName() + "'"
                    + (where.isEmpty() ? "" : " in " + where) + known);
        } catch (JsonMappingException e) {
            String where = location(e);
            throw new IllegalArgumentException(source + ": bad value" + (where.isEmpty() ? "" : " at " + where) + ": "
                    + e.getOriginalMessage().replaceAll("\\s*\\R\\s*", " "));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage().replaceAll("\\s*\\R\\s*", " ")
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")"));
        }
        if (c == null) {
            throw new IllegalArgumentException(source + ": empty experiment config");
        }
        c.validate(source);
        return c;
    }

    /** The JSON path of a mapping problem without its last (failing) key, e.g. {@code dataset.shapes_lt}. */
    private static String location(JsonMappingException e) {
        List<JsonMappingException.Reference> path = e.getPath();
        StringBuilder sb = new StringBuilder();
        int end = e instanceof UnrecognizedPropertyException ? path.size() - 1 : path.size();
        for (int i = 0; i < end; i++) {
            JsonMappingException.Reference r = path.get(i);
            if (r.getFieldName() != null) {
                if (sb.length() > 0) sb.append('.');
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /**
     * Checks everything that can be checked without reading the data: required keys, ranges, method names (and that an
     * evaluation-only method's training method is in the grid), the comparisons' methods.
     *
     * @throws IllegalArgumentException with one line naming {@code source} and the key
     */
    public void validate(String source) {
        String p = source + ": ";
        if (dataset == null) {
            throw new IllegalArgumentException(p + "'dataset' is required");
        }
        boolean files = dataset.trainAnnotations() != null || dataset.trainImageDir() != null
                || dataset.valAnnotations() != null || dataset.valImageDir() != null;
        if (dataset.generatesShapesLt() == files) {
            throw new IllegalArgumentException(p + "'dataset' needs either 'shapes_lt' or 'train_annotations', "
                    + "'train_image_dir', 'val_annotations' and 'val_image_dir'");
        }
        if (files) {
            for (String[] kv : new String[][] {{"train_annotations", dataset.trainAnnotations()},
                    {"train_image_dir", dataset.trainImageDir()}, {"val_annotations", dataset.valAnnotations()},
                    {"val_image_dir", dataset.valImageDir()}}) {
                if (kv[1] == null || kv[1].isBlank()) {
                    throw new IllegalArgumentException(p + "'dataset." + kv[0] + "' is required");
                }
            }
            if (dataset.dir() != null) {
                throw new IllegalArgumentException(p + "'dataset.dir' is where shapes-lt is generated; it needs 'shapes_lt'");
            }
        } else {
            try {
                dataset.shapesLt().toConfig();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(p + "dataset.shapes_lt: " + e.getMessage());
            }
        }
        if (methods == null || methods.isEmpty()) {
            throw new IllegalArgumentException(p + "'methods' must list at least one method (known: "
                    + String.join(", ", Methods.all().keySet()) + ")");
        }
        Set<String> seen = new HashSet<>();
        for (String m : methods) {
            if (m == null) {
                throw new IllegalArgumentException(p + "'methods' has a null entry");
            }
            try {
                Methods.get(m);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(p + "methods: " + e.getMessage());
            }
            if (!seen.add(m)) {
                throw new IllegalArgumentException(p + "methods: '" + m + "' is listed twice");
            }
        }
        for (String m : methods) {
            Method method = Methods.get(m);
            if (!method.trains() && !methods.contains(method.trainedBy())) {
                throw new IllegalArgumentException(p + "methods: '" + m + "' evaluates the models of '" + method.trainedBy()
                        + "', which is not in the list; add it");
            }
        }
        if (seeds == null || seeds.isEmpty()) {
            throw new IllegalArgumentException(p + "'seeds' must list at least one seed");
        }
        if (seeds.contains(null) || new HashSet<>(seeds).size() != seeds.size()) {
            throw new IllegalArgumentException(p + "'seeds' must be distinct numbers, got " + seeds);
        }
        if (iterations == null) {
            throw new IllegalArgumentException(p + "'iterations' is required");
        }
        positive(p, "iterations", iterations);
        positive(p, "batch_size", batchSize);
        positive(p, "checkpoint_every", checkpointEvery);
        if (imageSize < 32) {
            throw new IllegalArgumentException(p + "'image_size' must be >= 32, got " + imageSize);
        }
        try {
            DetectorSetup.backbone(backbone);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(p + "'backbone' must be small, resnet18, resnet34, resnet50 or resnet101, got '"
                    + backbone + "'");
        }
        if (rfsThreshold != null && !(rfsThreshold > 0 && rfsThreshold <= 1)) {
            throw new IllegalArgumentException(p + "'rfs_threshold' must be in (0, 1], got " + rfsThreshold);
        }
        if (!methods.contains(evaluation.baseline())) {
            throw new IllegalArgumentException(p + "evaluation.baseline '" + evaluation.baseline() + "' is not in 'methods'");
        }
        for (Pair pair : evaluation.pairs()) {
            if (pair == null || pair.method() == null || pair.against() == null) {
                throw new IllegalArgumentException(p + "evaluation.pairs: each pair needs 'method' and 'against'");
            }
            for (String m : List.of(pair.method(), pair.against())) {
                if (!methods.contains(m)) {
                    throw new IllegalArgumentException(p + "evaluation.pairs: '" + m + "' is not in 'methods'");
                }
            }
        }
    }

    private static void positive(String p, String key, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(p + "'" + key + "' must be >= 1, got " + v);
        }
    }

    /** The methods of the grid, resolved. */
    public List<Method> resolvedMethods() {
        return methods.stream().map(Methods::get).toList();
    }

    /**
     * What the runs' results depend on besides method and seed (the dataset and training settings): runs recorded in an
     * output folder are reused only under the same values.
     */
    public JsonNode runSettings() {
        ObjectNode n = JSON.valueToTree(this);
        n.remove(List.of("methods", "seeds", "evaluation", "checkpoint_every"));
        // as read back from a file: numbers as the parser types them (a long seed 42 is an int node there)
        try {
            return JSON.readTree(JSON.writeValueAsString(n));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
