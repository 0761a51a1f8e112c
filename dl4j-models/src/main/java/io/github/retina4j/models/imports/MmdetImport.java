package io.github.retina4j.models.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.fpn.BfpConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.models.retinanet.LibraRetinaNet;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An mmdetection RetinaNet or Libra RetinaNet checkpoint (its {@code state_dict}, exported to {@code .npz} by
 * {@code tools/export_torchvision.py --mmdet}, key names unchanged) → a Retina4j model file.
 *
 * <p>The models are mmdetection's {@code retinanet_r50_fpn} and {@code libra_retinanet_r50_fpn} (any ResNet depth, FPN
 * width, head depth, class count): ResNet {@code style='pytorch'} (the stride on the 3×3 conv, as torchvision), its
 * BatchNorm in eval mode (= frozen, ε 1e-5); {@code FPN(start_level=1, add_extra_convs='on_input', num_outs=5)} — P6
 * from C5 and, as {@code relu_before_extra_convs} is False, P7 = conv(P6) without ReLU
 * ({@link FpnConfig#reluBeforeP7()} false); for Libra, {@code neck=[FPN, BFP(refine_level=1,
 * refine_type='non_local')]} whose refine is {@code NonLocal2d(reduction=1, use_scale=False)}; {@code RetinaHead}
 * with sigmoid classes (no background). Key names → our graph (DESIGN §6.7):
 * <table>
 *   <caption>mmdetection key → the torchvision name our graph is built with</caption>
 *   <tr><td>{@code backbone.<m>}</td><td>{@code backbone.body.<m>} (same ResNet module names)</td></tr>
 *   <tr><td>{@code neck[.0].lateral_convs.<i>.conv.*}</td><td>{@code backbone.fpn.inner_blocks.<i>.*}</td></tr>
 *   <tr><td>{@code neck[.0].fpn_convs.<i>.conv.*}, i = 0, 1, 2 / 3 / 4</td><td>{@code backbone.fpn.layer_blocks.<i>.*}
 *       / {@code backbone.fpn.extra_blocks.p6.*} / {@code backbone.fpn.extra_blocks.p7.*}</td></tr>
 *   <tr><td>{@code neck.1.refine.{g,theta,phi,conv_out}.conv.*}</td><td>{@code neck.refine.<conv>.*}
 *       (the non-local block of the balanced pyramid)</td></tr>
 *   <tr><td>{@code bbox_head.{cls,reg}_convs.<i>.conv.*}</td><td>{@code head.{classification,regression}_head.conv.<i>.0.*}</td></tr>
 *   <tr><td>{@code bbox_head.retina_cls.*}, {@code bbox_head.retina_reg.*}</td><td>{@code head.classification_head.cls_logits.*},
 *       {@code head.regression_head.bbox_reg.*}</td></tr>
 * </table>
 * Both predictors order their output channels anchor-major (channel a·K + k), as torchvision's, so no reordering is
 * needed. The expected key set is derived from the layout: every missing or extra tensor is named with mmdetection's
 * name ({@code num_batches_tracked} buffers are skipped), then {@link TorchvisionRetinaNetImporter} checks shapes and
 * values, its messages translated back to mmdetection's names.
 *
 * <p>Metadata: mmdetection's test pipeline and {@code test_cfg} for these models — {@code Resize((1333, 800),
 * keep_ratio=True)}, {@code Normalize(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)},
 * {@code Pad(size_divisor=32)} ({@link PreprocessConfig#coco()}); anchors {@code octave_base_scale=4,
 * scales_per_octave=3, ratios=[0.5, 1, 2], strides=[8, 16, 32, 64, 128]} with centre offset 0
 * ({@link AnchorConfig#retinaNet()}, the {@code UNROUNDED} convention of DESIGN §4.6); {@code DeltaXYWHBBoxCoder}
 * means 0, stds 1, clamped both ways ({@link BoxCoder#mmdetectionDefault()}); {@code nms_pre=1000, min_bbox_size=0,
 * score_thr=0.05, nms iou_threshold=0.5, max_per_img=100} ({@link PostProcessConfig#coco()}).
 */
public final class MmdetImport {

    /** Which detector the checkpoint holds; {@link #AUTO}: Libra when it has a balanced pyramid ({@code neck.1.refine.*}). */
    public enum Model { AUTO, RETINANET, LIBRA }

    /** Value of {@code "architecture"} in the model configuration JSON. */
    public static final String RETINANET_ARCHITECTURE = "mmdet-retinanet";
    /** Value of {@code "architecture"} for Libra RetinaNet. */
    public static final String LIBRA_ARCHITECTURE = "mmdet-libra-retinanet";
    /** mmdetection {@code libra_retinanet_r50_fpn}: {@code BFP(refine_level=1)}; not recorded in the weights. */
    public static final int LIBRA_REFINE_LEVEL = 1;

    static final String CLS = "bbox_head.retina_cls";
    static final String REG = "bbox_head.retina_reg";
    private static final String BACKBONE = "backbone.";
    private static final String SKIPPED_SUFFIX = ".num_batches_tracked";
    private static final String[] BN = {"weight", "bias", "running_mean", "running_var"};
    private static final String[] CONV = {"weight", "bias"};
    private static final String[] REFINE_CONVS = {"g", "theta", "phi", "conv_out"};

    private MmdetImport() {
    }

    /**
     * The sizes of an mmdetection RetinaNet, read from its state dict.
     *
     * @param libra       whether it has Libra's balanced feature pyramid ({@code neck} = [FPN, BFP])
     * @param depth       ResNet depth (18, 34, 50, 101)
     * @param width       stem width ({@code backbone.conv1.weight} outputs, 64 in ResNets)
     * @param fpnChannels FPN and head width
     * @param headConvs   {@code stacked_convs} of the head
     * @param numAnchors  anchors per location (9)
     * @param numClasses  classes of {@code retina_cls} (80 for COCO: sigmoid, no background)
     * @param reduction   the non-local block's channel reduction (1 in mmdetection's BFP; 1 when not Libra)
     */
    public record Layout(boolean libra, int depth, int width, int fpnChannels, int headConvs, int numAnchors,
                         int numClasses, int reduction) {

        /** The neck's FPN key prefix ({@code neck.0.} when the neck is the list [FPN, BFP]). */
        String fpnPrefix() {
            return libra ? "neck.0." : "neck.";
        }

        /** Our graph: frozen-BN ResNet, FPN with P6 from C5 and no ReLU before P7, heads, [balanced pyramid]. */
        public RetinaNetConfig.Builder config() {
            RetinaNetConfig.Builder b = RetinaNet.defaults(numClasses).backbone(ResNetConfig.detector(depth, width))
                    .fpn(new FpnConfig(fpnChannels, FpnConfig.P6Source.C5, false))
                    .head(new HeadConfig(fpnChannels, headConvs, numAnchors, HeadConfig.DEFAULT_PRIOR,
                            HeadConfig.DEFAULT_WEIGHT_STD));
            return libra ? LibraRetinaNet.libra(b).balancedPyramid(new BfpConfig(LIBRA_REFINE_LEVEL, reduction, false)) : b;
        }

        /** For {@code ModelMetadata#modelConfig}. */
        public ObjectNode toJson() {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.put("architecture", libra ? LIBRA_ARCHITECTURE : RETINANET_ARCHITECTURE).put("depth", depth)
                    .put("width", width).put("fpnChannels", fpnChannels).put("headConvs", headConvs)
                    .put("numAnchors", numAnchors).put("numClasses", numClasses);
            if (libra) {
                o.put("refineLevel", LIBRA_REFINE_LEVEL).put("reduction", reduction);
            }
            return o;
        }

        /** The layout stored by {@link #toJson()}, or null when {@code json} describes something else. */
        public static Layout fromJson(JsonNode json) {
            String a = json == null ? "" : json.path("architecture").asText();
            if (!a.equals(RETINANET_ARCHITECTURE) && !a.equals(LIBRA_ARCHITECTURE)) {
                return null;
            }
            return new Layout(a.equals(LIBRA_ARCHITECTURE), json.path("depth").asInt(), json.path("width").asInt(),
                    json.path("fpnChannels").asInt(), json.path("headConvs").asInt(), json.path("numAnchors").asInt(),
                    json.path("numClasses").asInt(), json.path("reduction").asInt(1));
        }

        /**
         * Every tensor name of this layout's mmdetection state dict (without {@code num_batches_tracked}), with the
         * torchvision name our graph is built with.
         */
        Map<String, String> expectedKeys() {
            Map<String, String> k = new LinkedHashMap<>();
            backbone(k, "conv1", CONV[0]);
            backbone(k, "bn1", BN);
            boolean bottleneck = depth >= 50;
            int[] blocks = ResNetConfig.blocks(depth);
            for (int s = 0; s < 4; s++) {
                for (int b = 0; b < blocks[s]; b++) {
                    String block = "layer" + (s + 1) + "." + b + ".";
                    for (int c = 1; c <= (bottleneck ? 3 : 2); c++) {
                        backbone(k, block + "conv" + c, CONV[0]);
                        backbone(k, block + "bn" + c, BN);
                    }
                    if (b == 0 && (s > 0 || bottleneck)) {
                        backbone(k, block + "downsample.0", CONV[0]);
                        backbone(k, block + "downsample.1", BN);
                    }
                }
            }
            String fpn = fpnPrefix();
            for (int i = 0; i < 3; i++) {
                map(k, fpn + "lateral_convs." + i + ".conv", "backbone.fpn.inner_blocks." + i, CONV);
            }
            for (int i = 0; i < 5; i++) {
                String ours = i < 3 ? "backbone.fpn.layer_blocks." + i : "backbone.fpn.extra_blocks.p" + (i + 3);
                map(k, fpn + "fpn_convs." + i + ".conv", ours, CONV);
            }
            if (libra) {
                for (String c : REFINE_CONVS) {
                    map(k, "neck.1.refine." + c + ".conv", "neck.refine." + c, CONV);
                }
            }
            for (int i = 0; i < headConvs; i++) {
                map(k, "bbox_head.cls_convs." + i + ".conv", "head.classification_head.conv." + i + ".0", CONV);
                map(k, "bbox_head.reg_convs." + i + ".conv", "head.regression_head.conv." + i + ".0", CONV);
            }
            map(k, CLS, TorchvisionRetinaNetLayout.CLS_LOGITS, CONV);
            map(k, REG, TorchvisionRetinaNetLayout.BBOX_REG, CONV);
            return k;
        }

        private static void backbone(Map<String, String> k, String module, String... params) {
            map(k, BACKBONE + module, TorchvisionRetinaNetImporter.BACKBONE_PREFIX + module, params);
        }

        private static void map(Map<String, String> k, String mmdet, String ours, String... params) {
            for (String p : params) {
                k.put(mmdet + "." + p, ours + "." + p);
            }
        }
    }

    /** An imported detector in memory. */
    public record Imported(ComputationGraph graph, ModelMetadata metadata, Layout layout,
                           TorchvisionRetinaNetImporter.Report report) {
    }

    /** Reads the layout of an mmdetection state dict; {@code source} names it in errors. */
    public static Layout layout(Map<String, INDArray> sd, String source, Model model) {
        INDArray cls = sd.get(CLS + ".weight");
        INDArray reg = sd.get(REG + ".weight");
        INDArray conv1 = sd.get(BACKBONE + "conv1.weight");
        if (cls == null || reg == null || conv1 == null) {
            String missing = cls == null ? CLS + ".weight" : reg == null ? REG + ".weight" : BACKBONE + "conv1.weight";
            String hint = sd.containsKey(TorchvisionRetinaNetLayout.CLS_LOGITS + ".weight")
                    ? " (it holds a torchvision RetinaNet: import it with --torchvision)"
                    : sd.containsKey("fc.weight") ? " (it holds an ImageNet classification ResNet: use it with train --backbone-weights)"
                    : " (its first tensors: " + String.join(", ", sd.keySet().stream().limit(3).toList()) + ")";
            throw new IllegalArgumentException(source + " is not an mmdetection RetinaNet state dict: it has no tensor '"
                    + missing + "'" + hint);
        }
        boolean hasBfp = sd.keySet().stream().anyMatch(k -> k.startsWith("neck.1."));
        boolean libra = switch (model) {
            case AUTO -> hasBfp;
            case LIBRA -> {
                if (!hasBfp) {
                    throw new IllegalArgumentException(source + " has no balanced feature pyramid (no tensor 'neck.1.refine.theta.conv.weight'):"
                            + " it is a plain RetinaNet, import it with --model retinanet");
                }
                yield true;
            }
            case RETINANET -> {
                if (hasBfp) {
                    throw new IllegalArgumentException(source + " has a balanced feature pyramid (tensors 'neck.1.*'): it is a "
                            + "Libra RetinaNet, import it with --model libra");
                }
                yield false;
            }
        };
        int[] blocks = new int[4];
        for (int s = 0; s < 4; s++) {
            while (sd.containsKey(BACKBONE + "layer" + (s + 1) + "." + blocks[s] + ".conv1.weight")) {
                blocks[s]++;
            }
        }
        boolean bottleneck = sd.containsKey(BACKBONE + "layer1.0.conv3.weight");
        int depth = ResNetConfig.depthOf(blocks, bottleneck);
        if (depth == 0) {
            throw new IllegalArgumentException(source + ": the backbone has " + Arrays.toString(blocks) + " "
                    + (bottleneck ? "bottleneck" : "basic") + " blocks in backbone.layer1..layer4, which is not ResNet-18, 34, 50 or 101");
        }
        String fpn = libra ? "neck.0." : "neck.";
        INDArray lateral = sd.get(fpn + "lateral_convs.0.conv.weight");
        if (lateral == null) {
            throw new IllegalArgumentException(source + " is not an mmdetection RetinaNet state dict: it has no tensor '"
                    + fpn + "lateral_convs.0.conv.weight' (the FPN)");
        }
        int headConvs = 0;
        while (sd.containsKey("bbox_head.cls_convs." + headConvs + ".conv.weight")) {
            headConvs++;
        }
        if (reg.size(0) % 4 != 0 || reg.size(0) / 4 != TorchvisionRetinaNetLayout.TORCHVISION_ANCHORS) {
            throw new IllegalArgumentException(source + ": " + REG + ".weight has " + reg.size(0) + " outputs; RetinaNet's "
                    + "anchor generator has " + TorchvisionRetinaNetLayout.TORCHVISION_ANCHORS + " anchors per location, 4 deltas each");
        }
        int anchors = (int) (reg.size(0) / 4);
        if (cls.size(0) % anchors != 0) {
            throw new IllegalArgumentException(source + ": " + CLS + ".weight has " + cls.size(0)
                    + " outputs, not a multiple of " + anchors + " anchors");
        }
        int channels = (int) lateral.size(0);
        int reduction = 1;
        if (libra) {
            INDArray theta = sd.get("neck.1.refine.theta.conv.weight");
            if (theta == null || theta.rank() != 4 || channels % theta.size(0) != 0) {
                throw new IllegalArgumentException(source + ": " + (theta == null
                        ? "the balanced feature pyramid has no tensor 'neck.1.refine.theta.conv.weight' (a non-local refine block)"
                        : "neck.1.refine.theta.conv.weight " + Arrays.toString(theta.shape()) + " does not reduce the "
                        + channels + " FPN channels by an integer factor"));
            }
            reduction = (int) (channels / theta.size(0));
        }
        return new Layout(libra, depth, (int) conv1.size(0), channels, headConvs, anchors, (int) (cls.size(0) / anchors),
                reduction);
    }

    /** Reads {@code npz} and imports it. */
    public static Imported load(Path npz, TorchvisionImport.Classes classes, Model model) throws IOException {
        return load(NpzReader.read(npz), npz.toString(), classes, model);
    }

    /**
     * Builds the graph of the state dict's layout, copies the weights and assembles the metadata.
     *
     * @throws IllegalArgumentException one line naming (with mmdetection's names) every missing, extra, mis-shaped or
     *                                  non-finite tensor, or the class count that does not fit
     */
    public static Imported load(Map<String, INDArray> stateDict, String source, TorchvisionImport.Classes classes, Model model)
            throws IOException {
        Layout layout = layout(stateDict, source, model);
        CategoryMapping categories = categories(classes, layout.numClasses(), source);
        Map<String, String> expected = layout.expectedKeys();
        Map<String, INDArray> renamed = new LinkedHashMap<>();
        Map<String, String> original = new LinkedHashMap<>();
        Set<String> missing = new LinkedHashSet<>(expected.keySet());
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : stateDict.entrySet()) {
            String key = e.getKey();
            missing.remove(key);
            String ours = expected.get(key);
            if (ours == null && key.endsWith(SKIPPED_SUFFIX)) {
                String module = key.substring(0, key.length() - SKIPPED_SUFFIX.length());
                ours = expected.get(module + ".running_mean");
                if (ours != null) {
                    ours = ours.substring(0, ours.length() - ".running_mean".length()) + SKIPPED_SUFFIX;
                }
            }
            if (ours == null) {
                unexpected.add(key);
                continue;
            }
            renamed.put(ours, e.getValue());
            original.put(ours, key);
        }
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (!unexpected.isEmpty()) {
                parts.add("unexpected tensors (" + unexpected.size() + "): " + unexpected);
            }
            if (!missing.isEmpty()) {
                parts.add("missing tensors (" + missing.size() + "): " + missing);
            }
            throw new IllegalArgumentException(source + ": mmdetection " + (layout.libra() ? "Libra RetinaNet" : "RetinaNet")
                    + " state dict (ResNet-" + layout.depth() + ", FPN " + layout.fpnChannels() + ", " + layout.headConvs()
                    + " head convs) does not fit: " + String.join("; ", parts));
        }
        ComputationGraph graph = RetinaNet.build(layout.config().build());
        TorchvisionRetinaNetImporter.Report report = TorchvisionRetinaNetImporter.importInto(graph, renamed,
                source + ": mmdetection state dict", original);
        List<String> skipped = report.skipped().stream().map(k -> original.getOrDefault(k, k)).toList();
        report = new TorchvisionRetinaNetImporter.Report(report.tensorsImported(), report.parametersSet(), skipped);
        ObjectNode config = layout.toJson();
        config.put("classes", classes.name());
        config.put("source", "mmdetection");
        ModelMetadata metadata = new ModelMetadata(categories, PreprocessConfig.coco(), AnchorConfig.retinaNet(),
                BoxCoder.mmdetectionDefault(), PostProcessConfig.coco(), RetinaNet.CLASS_OUTPUT, RetinaNet.BOX_OUTPUT, config);
        return new Imported(graph, metadata, layout, report);
    }

    /**
     * Imports {@code npz} and writes the model file {@code out} (to a temporary file renamed into place: nothing is
     * written when the import fails).
     */
    public static Imported write(Path npz, TorchvisionImport.Classes classes, Model model, Path out) throws IOException {
        Imported imported = load(npz, classes, model);
        ModelFile.save(imported.graph(), imported.metadata(), out, false);
        return imported;
    }

    /**
     * The head's class names: {@code coco} = mmdetection's {@code CocoDataset.CLASSES}, the 80 COCO categories in id
     * order (label i ↔ the i-th category id), or a file ({@link TorchvisionImport.Classes#file(Path)}).
     */
    static CategoryMapping categories(TorchvisionImport.Classes classes, int headClasses, String source) throws IOException {
        switch (classes.name()) {
            case "coco" -> {
                CategoryMapping coco = cocoCategories();
                if (headClasses != coco.size()) {
                    throw new IllegalArgumentException(source + ": the classification head predicts " + headClasses
                            + " classes, not COCO's " + coco.size() + "; name them with --classes FILE");
                }
                return coco;
            }
            case "torchvision" -> throw new IllegalArgumentException("--classes torchvision names torchvision's 91 labels; the "
                    + "mmdetection head of " + source + " predicts " + headClasses + " classes without background: use "
                    + "--classes coco or a file");
            default -> {
                CategoryMapping mapping = TorchvisionImport.readClassFile(classes.file());
                if (mapping.size() != headClasses) {
                    throw new IllegalArgumentException("--classes " + classes.file() + " lists " + mapping.size()
                            + " classes but the classification head of " + source + " predicts " + headClasses);
                }
                return mapping;
            }
        }
    }

    /** The 80 COCO categories: torchvision's labels without the background and the unused ids (same names and ids). */
    public static CategoryMapping cocoCategories() {
        try {
            return TorchvisionImport.select(TorchvisionImport.Classes.coco(), TorchvisionImport.COCO_LABELS.size(), "COCO")
                    .mapping();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);  // not reached: the COCO selection reads no file
        }
    }

    /** {@code auto}, {@code retinanet} or {@code libra} (the CLI's {@code --model}). */
    public static Model parseModel(String spec) {
        return switch (spec.toLowerCase(Locale.ROOT)) {
            case "auto" -> Model.AUTO;
            case "retinanet" -> Model.RETINANET;
            case "libra" -> Model.LIBRA;
            default -> throw new IllegalArgumentException("--model must be auto, retinanet or libra, got '" + spec + "'");
        };
    }
}
