package io.github.retina4j.models.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.anchors.AnchorConvention;
import io.github.retina4j.data.anchors.CellAnchorOrder;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.data.boxes.DeltaClamp;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.models.retinanet.RetinaNet;

import java.io.IOException;
import java.util.Objects;

/**
 * Everything besides the graph that is needed to run a saved detector, stored as JSON inside the model
 * zip (DESIGN §2, §6): the class list (category ids and names), the preprocessing, anchors and box coder
 * the model was trained with, the default post-processing, the names of the two graph outputs, and the
 * model builder's own configuration as an opaque JSON document. (The EFL state is part of the graph's
 * loss configuration and travels with the graph.)
 *
 * @param categories     contiguous class index ↔ dataset category id and name
 * @param preprocessing  image → input tensor
 * @param anchors        anchor configuration (must match the head's anchors per location)
 * @param boxCoder       delta parameterisation used in training
 * @param postprocessing default inference settings
 * @param classOutput    name of the graph output holding class logits {@code [N, C, A]}
 * @param boxOutput      name of the graph output holding box deltas {@code [N, 4, A]}; the same name as
 *                       {@code classOutput} for a graph with a joint loss, whose one output is {@code [N, C + 4, A]}
 *                       (logits, then deltas; DESIGN §3.6)
 * @param modelConfig    the builder's configuration as JSON (null when not available)
 * @param scoring        logits → scores: activation, logit weights, NorCal (JSON field {@code scoring}; absent = plain
 *                       sigmoid, the files written before it existed)
 */
public record ModelMetadata(CategoryMapping categories, PreprocessConfig preprocessing, AnchorConfig anchors,
                            BoxCoder boxCoder, PostProcessConfig postprocessing, String classOutput, String boxOutput,
                            JsonNode modelConfig, ClassScoring scoring) {

    /** Version of the JSON layout below; bumped on incompatible changes. */
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    public ModelMetadata {
        Objects.requireNonNull(categories, "categories");
        Objects.requireNonNull(preprocessing, "preprocessing");
        Objects.requireNonNull(anchors, "anchors");
        Objects.requireNonNull(boxCoder, "boxCoder");
        Objects.requireNonNull(postprocessing, "postprocessing");
        Objects.requireNonNull(classOutput, "classOutput");
        Objects.requireNonNull(boxOutput, "boxOutput");
        modelConfig = modelConfig == null ? null : modelConfig.deepCopy();
        scoring = scoring == null ? ClassScoring.sigmoid() : scoring;
        scoring.checkClasses(categories.size(), "model metadata");
    }

    /** Metadata of a sigmoid detector (focal loss family). */
    public ModelMetadata(CategoryMapping categories, PreprocessConfig preprocessing, AnchorConfig anchors,
                         BoxCoder boxCoder, PostProcessConfig postprocessing, String classOutput, String boxOutput,
                         JsonNode modelConfig) {
        this(categories, preprocessing, anchors, boxCoder, postprocessing, classOutput, boxOutput, modelConfig, null);
    }

    @Override
    public JsonNode modelConfig() {
        return modelConfig == null ? null : modelConfig.deepCopy();
    }

    /**
     * Metadata of a graph built by {@code RetinaNet.build}: its output names, COCO post-processing
     * defaults, no builder configuration.
     */
    public static ModelMetadata forRetinaNet(CategoryMapping categories, PreprocessConfig preprocessing, AnchorConfig anchors,
                                             BoxCoder boxCoder) {
        return new ModelMetadata(categories, preprocessing, anchors, boxCoder, PostProcessConfig.coco(),
                RetinaNet.CLASS_OUTPUT, RetinaNet.BOX_OUTPUT, null);
    }

    public ModelMetadata withModelConfig(JsonNode config) {
        return new ModelMetadata(categories, preprocessing, anchors, boxCoder, postprocessing, classOutput, boxOutput, config,
                scoring);
    }

    public ModelMetadata withPostprocessing(PostProcessConfig p) {
        return new ModelMetadata(categories, preprocessing, anchors, boxCoder, p, classOutput, boxOutput, modelConfig,
                scoring);
    }

    public ModelMetadata withScoring(ClassScoring s) {
        return new ModelMetadata(categories, preprocessing, anchors, boxCoder, postprocessing, classOutput, boxOutput,
                modelConfig, s);
    }

    /** Serialises to a JSON document. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "retina4j-model-metadata");
        root.put("formatVersion", FORMAT_VERSION);
        ArrayNode cats = root.putArray("categories");
        for (int i = 0; i < categories.size(); i++) {
            cats.addObject().put("id", categories.toCategoryId(i)).put("name", categories.name(i));
        }
        ObjectNode pre = root.putObject("preprocessing");
        pre.put("minSize", preprocessing.minSize()).put("maxSize", preprocessing.maxSize())
                .put("sizeDivisor", preprocessing.sizeDivisor()).put("resize", preprocessing.resize().name());
        doubles(pre.putArray("mean"), preprocessing.mean());
        doubles(pre.putArray("std"), preprocessing.std());
        ObjectNode anc = root.putObject("anchors");
        ArrayNode strides = anc.putArray("strides");
        for (int s : anchors.strides()) {
            strides.add(s);
        }
        anc.put("octaveBaseScale", anchors.octaveBaseScale()).put("scalesPerOctave", anchors.scalesPerOctave());
        doubles(anc.putArray("ratios"), anchors.ratios());
        anc.put("convention", anchors.convention().name()).put("cellOrder", anchors.cellOrder().name());
        ObjectNode coder = root.putObject("boxCoder");
        doubles(coder.putArray("means"), boxCoder.means());
        doubles(coder.putArray("stds"), boxCoder.stds());
        coder.put("clip", boxCoder.clip()).put("clamp", boxCoder.clamp().name());
        ObjectNode post = root.putObject("postprocessing");
        post.put("scoreThreshold", postprocessing.scoreThreshold()).put("topKPerLevel", postprocessing.topKPerLevel())
                .put("nmsIouThreshold", postprocessing.nmsIouThreshold())
                .put("maxDetectionsPerImage", postprocessing.maxDetectionsPerImage())
                .put("minBoxSize", postprocessing.minBoxSize());
        ObjectNode outputs = root.putObject("outputs");
        outputs.put("classLogits", classOutput).put("boxDeltas", boxOutput);
        if (modelConfig != null) {
            root.set("modelConfig", modelConfig);
        }
        ObjectNode sc = root.putObject("scoring");
        sc.put("activation", scoring.activation().name());
        if (scoring.logitWeights() != null) {
            doubles(sc.putArray("logitWeights"), scoring.logitWeights());
        }
        if (scoring.trainImageCounts() != null) {
            doubles(sc.putArray("trainImageCounts"), scoring.trainImageCounts());
        }
        if (scoring.norcal() != null) {
            sc.putObject("norcal").put("gamma", scoring.norcal().gamma()).put("renormalise", scoring.norcal().renormalise());
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialise model metadata", e);
        }
    }

    /**
     * Parses the JSON written by {@link #toJson()}.
     *
     * @param source named in error messages (e.g. "model.zip!retina4j-metadata.json")
     * @throws IllegalArgumentException naming the source and the missing/invalid field
     */
    public static ModelMetadata fromJson(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": metadata is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": metadata is not a JSON object");
        }
        int version = field(root, "formatVersion", source).asInt();
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException(source + ": metadata formatVersion " + version + " is not supported (expected "
                    + FORMAT_VERSION + ")");
        }
        try {
            JsonNode cats = field(root, "categories", source);
            int[] ids = new int[cats.size()];
            String[] names = new String[cats.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = field(cats.get(i), "id", source + " categories[" + i + "]").asInt();
                names[i] = field(cats.get(i), "name", source + " categories[" + i + "]").asText();
            }
            JsonNode pre = field(root, "preprocessing", source);
            // optional field: absent means the training pipeline's own (mmdetection) resize
            JsonNode resize = pre.get("resize");
            PreprocessConfig preprocessing = new PreprocessConfig(field(pre, "minSize", source).asInt(),
                    field(pre, "maxSize", source).asInt(), field(pre, "sizeDivisor", source).asInt(),
                    doubles(field(pre, "mean", source)), doubles(field(pre, "std", source)),
                    resize == null ? PreprocessConfig.Resize.MMDETECTION : PreprocessConfig.Resize.valueOf(resize.asText()));
            JsonNode anc = field(root, "anchors", source);
            JsonNode st = field(anc, "strides", source);
            int[] strides = new int[st.size()];
            for (int i = 0; i < strides.length; i++) {
                strides[i] = st.get(i).asInt();
            }
            AnchorConfig anchors = new AnchorConfig(strides, field(anc, "octaveBaseScale", source).asDouble(),
                    field(anc, "scalesPerOctave", source).asInt(), doubles(field(anc, "ratios", source)),
                    AnchorConvention.fromName(field(anc, "convention", source).asText()),
                    CellAnchorOrder.valueOf(field(anc, "cellOrder", source).asText()));
            JsonNode coder = field(root, "boxCoder", source);
            BoxCoder boxCoder = new BoxCoder(doubles(field(coder, "means", source)), doubles(field(coder, "stds", source)),
                    field(coder, "clip", source).asDouble(), DeltaClamp.valueOf(field(coder, "clamp", source).asText()));
            JsonNode post = field(root, "postprocessing", source);
            PostProcessConfig postprocessing = new PostProcessConfig(field(post, "scoreThreshold", source).asDouble(),
                    field(post, "topKPerLevel", source).asInt(), field(post, "nmsIouThreshold", source).asDouble(),
                    field(post, "maxDetectionsPerImage", source).asInt(), field(post, "minBoxSize", source).asDouble());
            JsonNode outputs = field(root, "outputs", source);
            JsonNode modelConfig = root.get("modelConfig");
            return new ModelMetadata(new CategoryMapping(ids, names), preprocessing, anchors, boxCoder, postprocessing,
                    field(outputs, "classLogits", source).asText(), field(outputs, "boxDeltas", source).asText(),
                    modelConfig == null || modelConfig.isNull() ? null : modelConfig, scoring(root.get("scoring"), source));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) {
                throw e;
            }
            throw new IllegalArgumentException(source + ": invalid metadata: " + e.getMessage(), e);
        }
    }

    /** The optional {@code scoring} object; absent = plain sigmoid. */
    private static ClassScoring scoring(JsonNode sc, String source) {
        if (sc == null || sc.isNull()) {
            return ClassScoring.sigmoid();
        }
        JsonNode weights = sc.get("logitWeights");
        JsonNode counts = sc.get("trainImageCounts");
        JsonNode norcal = sc.get("norcal");
        return new ClassScoring(ClassScoring.Activation.named(field(sc, "activation", source).asText()),
                weights == null ? null : doubles(weights), counts == null ? null : doubles(counts),
                norcal == null ? null : new ClassScoring.NorCal(field(norcal, "gamma", source).asDouble(),
                        field(norcal, "renormalise", source).asBoolean()));
    }

    private static JsonNode field(JsonNode node, String name, String source) {
        JsonNode v = node == null ? null : node.get(name);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException(source + ": metadata field '" + name + "' is missing");
        }
        return v;
    }

    private static void doubles(ArrayNode a, double[] values) {
        for (double v : values) {
            a.add(v);
        }
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }
}
