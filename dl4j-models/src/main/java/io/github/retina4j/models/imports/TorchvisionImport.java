package io.github.retina4j.models.imports;

import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.models.retinanet.RetinaNet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A torchvision RetinaNet state dict (exported to {@code .npz} by {@code tools/export_torchvision.py}) → a Retina4j
 * model file that {@code Detector.load}, {@code retina4j detect} and {@code retina4j eval --model} run like any other:
 * the graph of the state dict's {@link TorchvisionRetinaNetLayout}, its weights
 * ({@link TorchvisionRetinaNetImporter}), and metadata that reproduce torchvision's inference —
 * {@link PreprocessConfig#torchvision()} (resize to 800/1333 as torchvision does, ImageNet normalisation, padding to
 * 32), torchvision's anchors and box coder, {@link PostProcessConfig#torchvision()} (score 0.05, top 1000 per level,
 * class-wise NMS 0.5, 300 per image).
 */
public final class TorchvisionImport {

    /**
     * torchvision's COCO labels ({@code torchvision/models/_meta.py}, {@code _COCO_CATEGORIES}): label i is COCO
     * category id i; label 0 is the background torchvision never trains as positive, "N/A" the ids COCO left unused.
     */
    public static final List<String> COCO_LABELS = List.of(
            "__background__", "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck",
            "boat", "traffic light", "fire hydrant", "N/A", "stop sign", "parking meter", "bench", "bird",
            "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "N/A", "backpack",
            "umbrella", "N/A", "N/A", "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball",
            "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket",
            "bottle", "N/A", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
            "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
            "potted plant", "bed", "N/A", "dining table", "N/A", "N/A", "toilet", "N/A", "tv", "laptop",
            "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator",
            "N/A", "book", "clock", "vase", "scissors", "teddy bear", "hair drier", "toothbrush");
    private static final String UNUSED_LABEL = "N/A";
    private static final String BACKGROUND_LABEL = "__background__";

    private TorchvisionImport() {
    }

    /**
     * How the classes of the imported head are named.
     *
     * @param name how the user chose them, for messages and the metadata
     * @param file the class file, for {@link #file(Path)}
     */
    public record Classes(String name, Path file) {
        /** The head's classes as torchvision labels them: its 91 COCO labels, category id = label. */
        public static Classes torchvision() {
            return new Classes("torchvision", null);
        }

        /**
         * The 80 COCO categories: the head's 91 labels without the background and the 10 unused ids, category ids and
         * names as in COCO's annotation files, so detections score directly against COCO ground truth.
         */
        public static Classes coco() {
            return new Classes("coco", null);
        }

        /**
         * Names from a file: a COCO-format JSON (its categories, by ascending id) or a text file with one name per line
         * (category id = line index, as torchvision labels count from 0); one class per head output.
         */
        public static Classes file(Path file) {
            return new Classes("file", file);
        }

        /** {@code coco}, {@code torchvision} or a file path (the CLI's {@code --classes}). */
        public static Classes parse(String spec) {
            return switch (spec.toLowerCase(Locale.ROOT)) {
                case "coco" -> coco();
                case "torchvision" -> torchvision();
                default -> file(Path.of(spec));
            };
        }
    }

    /** An imported detector in memory. */
    public record Imported(ComputationGraph graph, ModelMetadata metadata, TorchvisionRetinaNetLayout layout,
                           TorchvisionRetinaNetImporter.Report report) {
    }

    /** Reads {@code npz} and imports it. */
    public static Imported load(Path npz, Classes classes) throws IOException {
        return load(NpzReader.read(npz), npz.toString(), classes);
    }

    /**
     * Builds the graph of the state dict's layout, copies the weights and assembles the metadata.
     *
     * @param source names the state dict in errors
     * @throws IllegalArgumentException one line naming the tensor or count that does not fit
     */
    public static Imported load(Map<String, INDArray> stateDict, String source, Classes classes) throws IOException {
        TorchvisionRetinaNetLayout layout = TorchvisionRetinaNetLayout.of(stateDict, source);
        ClassSelection selection = select(classes, layout.numClasses(), source);
        Map<String, INDArray> sd = stateDict;
        if (selection.keep() != null) {
            sd = keepClasses(stateDict, selection.keep(), layout.numAnchors(), layout.numClasses());
            layout = layout.withNumClasses(selection.keep().length);
        }
        ComputationGraph graph = RetinaNet.build(layout.config().build());
        TorchvisionRetinaNetImporter.Report report;
        try {
            report = TorchvisionRetinaNetImporter.importInto(graph, sd);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        com.fasterxml.jackson.databind.node.ObjectNode config = layout.toJson();
        config.put("classes", classes.name());
        ModelMetadata metadata = new ModelMetadata(selection.mapping(), PreprocessConfig.torchvision(),
                AnchorConfig.torchvisionRetinaNet(), BoxCoder.torchvisionDefault(), PostProcessConfig.torchvision(),
                RetinaNet.CLASS_OUTPUT, RetinaNet.BOX_OUTPUT, config);
        return new Imported(graph, metadata, layout, report);
    }

    /**
     * Imports {@code npz} and writes the model file {@code out} (to a temporary file renamed into place: nothing is
     * written when the import fails).
     */
    public static Imported write(Path npz, Classes classes, Path out) throws IOException {
        Imported imported = load(npz, classes);
        ModelFile.save(imported.graph(), imported.metadata(), out, false);
        return imported;
    }

    /** The category mapping of the chosen classes and, for {@link Classes#coco()}, the head outputs kept. */
    record ClassSelection(CategoryMapping mapping, int[] keep) {
    }

    static ClassSelection select(Classes classes, int headClasses, String source) throws IOException {
        switch (classes.name()) {
            case "torchvision", "coco" -> {
                if (headClasses != COCO_LABELS.size()) {
                    throw new IllegalArgumentException(source + ": the classification head predicts " + headClasses
                            + " classes, not torchvision's " + COCO_LABELS.size() + " COCO labels; name them with --classes FILE");
                }
                boolean coco = "coco".equals(classes.name());
                List<Integer> ids = new ArrayList<>();
                for (int i = 0; i < headClasses; i++) {
                    String n = COCO_LABELS.get(i);
                    if (!coco || !(n.equals(UNUSED_LABEL) || n.equals(BACKGROUND_LABEL))) {
                        ids.add(i);
                    }
                }
                int[] idArray = ids.stream().mapToInt(Integer::intValue).toArray();
                String[] names = ids.stream().map(COCO_LABELS::get).toArray(String[]::new);
                return new ClassSelection(new CategoryMapping(idArray, names), coco ? idArray : null);
            }
            default -> {
                CategoryMapping mapping = readClassFile(classes.file());
                if (mapping.size() != headClasses) {
                    throw new IllegalArgumentException("--classes " + classes.file() + " lists " + mapping.size()
                            + " classes but the classification head of " + source + " predicts " + headClasses);
                }
                return new ClassSelection(mapping, null);
            }
        }
    }

    /** A COCO-format JSON's categories, or one name per non-blank line (id = line index). */
    static CategoryMapping readClassFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--classes: file not found: " + file);
        }
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            return CocoJsonReader.builder().keepSegmentation(false).build().read(file).categoryMapping();
        }
        List<String> names = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("--classes " + file + " lists no class names");
        }
        int[] ids = new int[names.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        return new CategoryMapping(ids, names.toArray(new String[0]));
    }

    /**
     * The state dict with only the classes {@code keep} in the classification predictor: torchvision's
     * {@code cls_logits} has output channel {@code a·K + k} for anchor a and class k
     * ({@code RetinaNetClassificationHead.forward}: {@code view(N, -1, K, H, W)}), so those rows are kept per anchor.
     */
    static Map<String, INDArray> keepClasses(Map<String, INDArray> stateDict, int[] keep, int anchors, int classes) {
        int[] rows = new int[anchors * keep.length];
        for (int a = 0; a < anchors; a++) {
            for (int j = 0; j < keep.length; j++) {
                rows[a * keep.length + j] = a * classes + keep[j];
            }
        }
        Map<String, INDArray> out = new LinkedHashMap<>(stateDict);
        for (String suffix : new String[] {".weight", ".bias"}) {
            String key = TorchvisionRetinaNetLayout.CLS_LOGITS + suffix;
            INDArray v = stateDict.get(key);
            if (v == null || v.size(0) != (long) anchors * classes) {
                continue;  // reported by the importer as a missing or mis-shaped parameter
            }
            long[] shape = v.shape().clone();
            shape[0] = rows.length;
            INDArray flat = v.reshape('c', v.size(0), v.length() / v.size(0));
            out.put(key, Nd4j.pullRows(flat, 1, rows).reshape('c', shape));
        }
        return out;
    }
}
