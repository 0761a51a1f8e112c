package io.github.retina4j.models.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The sizes of a torchvision RetinaNet ({@code torchvision.models.detection.RetinaNet} on a ResNet with
 * {@code BackboneWithFPN} and {@code LastLevelP6P7}, as {@code retinanet_resnet50_fpn} builds it), read from the
 * shapes of its state dict, so that the matching graph can be built before the weights are copied.
 *
 * @param depth       ResNet depth (18, 34, 50, 101), from the number of blocks per stage and the block type
 * @param width       stem width ({@code backbone.body.conv1.weight} outputs; 64 in torchvision's ResNets)
 * @param fpnChannels FPN and head width ({@code backbone.fpn.inner_blocks.0} outputs)
 * @param headConvs   3×3 convs of each head before its predictor
 * @param numAnchors  anchors per location ({@code bbox_reg} outputs / 4)
 * @param numClasses  classes of the classification head ({@code cls_logits} outputs / anchors; 91 for COCO, label 0
 *                    being torchvision's never-trained background)
 */
public record TorchvisionRetinaNetLayout(int depth, int width, int fpnChannels, int headConvs, int numAnchors,
                                         int numClasses) {

    /** Value of the {@code "architecture"} field of {@link #toJson()}. */
    public static final String ARCHITECTURE = "torchvision-retinanet";
    /** Anchors per location of torchvision's RetinaNet anchor generator (3 sizes × 3 aspect ratios). */
    public static final int TORCHVISION_ANCHORS = 9;
    static final String CLS_LOGITS = "head.classification_head.cls_logits";
    static final String BBOX_REG = "head.regression_head.bbox_reg";
    private static final String BODY = "backbone.body.";

    /** Reads the layout of a state dict; {@code source} names it in errors. */
    public static TorchvisionRetinaNetLayout of(Map<String, INDArray> stateDict, String source) {
        INDArray cls = stateDict.get(CLS_LOGITS + ".weight");
        INDArray box = stateDict.get(BBOX_REG + ".weight");
        INDArray conv1 = stateDict.get(BODY + "conv1.weight");
        if (cls == null || box == null || conv1 == null) {
            String missing = cls == null ? CLS_LOGITS + ".weight" : box == null ? BBOX_REG + ".weight" : BODY + "conv1.weight";
            throw new IllegalArgumentException(source + " is not a torchvision RetinaNet state dict: it has no tensor '"
                    + missing + "'" + guess(stateDict));
        }
        int[] blocks = new int[4];
        for (int s = 0; s < 4; s++) {
            while (stateDict.containsKey(BODY + "layer" + (s + 1) + "." + blocks[s] + ".conv1.weight")) {
                blocks[s]++;
            }
        }
        boolean bottleneck = stateDict.containsKey(BODY + "layer1.0.conv3.weight");
        int depth = ResNetConfig.depthOf(blocks, bottleneck);
        if (depth == 0) {
            throw new IllegalArgumentException(source + ": the backbone has " + Arrays.toString(blocks) + " "
                    + (bottleneck ? "bottleneck" : "basic") + " blocks in layer1..layer4, which is not ResNet-18, 34, 50 or 101");
        }
        INDArray inner = first(stateDict, "backbone.fpn.inner_blocks.0.0.weight", "backbone.fpn.inner_blocks.0.weight");
        if (inner == null) {
            throw new IllegalArgumentException(source + " is not a torchvision RetinaNet state dict: it has no tensor "
                    + "'backbone.fpn.inner_blocks.0.0.weight' (the FPN)");
        }
        int headConvs = 0;
        while (stateDict.containsKey("head.classification_head.conv." + headConvs + ".0.weight")) {
            headConvs++;
        }
        if (headConvs == 0) {
            // torchvision < 0.13: conv/ReLU pairs in one Sequential, convs at even indices
            while (stateDict.containsKey("head.classification_head.conv." + 2 * headConvs + ".weight")) {
                headConvs++;
            }
        }
        long boxOut = box.size(0);
        if (boxOut % 4 != 0) {
            throw new IllegalArgumentException(source + ": " + BBOX_REG + ".weight has " + boxOut
                    + " outputs, not 4 per anchor");
        }
        int anchors = (int) (boxOut / 4);
        if (anchors != TORCHVISION_ANCHORS) {
            throw new IllegalArgumentException(source + ": " + BBOX_REG + ".weight predicts " + anchors
                    + " anchors per location; torchvision's RetinaNet anchor generator has " + TORCHVISION_ANCHORS);
        }
        if (cls.size(0) % anchors != 0) {
            throw new IllegalArgumentException(source + ": " + CLS_LOGITS + ".weight has " + cls.size(0)
                    + " outputs, not a multiple of " + anchors + " anchors");
        }
        return new TorchvisionRetinaNetLayout(depth, (int) conv1.size(0), (int) inner.size(0), headConvs, anchors,
                (int) (cls.size(0) / anchors));
    }

    /** A hint about what a file that is not a RetinaNet state dict holds. */
    private static String guess(Map<String, INDArray> stateDict) {
        if (stateDict.containsKey("fc.weight") && stateDict.containsKey("conv1.weight")) {
            return " (it holds an ImageNet classification ResNet: use it with train --backbone-weights)";
        }
        if (stateDict.keySet().stream().anyMatch(k -> k.startsWith("bbox_head.") || k.startsWith("neck."))) {
            return " (its names are mmdetection's)";
        }
        List<String> keys = stateDict.keySet().stream().limit(3).toList();
        return " (its first tensors: " + String.join(", ", keys) + ")";
    }

    private static INDArray first(Map<String, INDArray> stateDict, String... keys) {
        for (String k : keys) {
            if (stateDict.containsKey(k)) {
                return stateDict.get(k);
            }
        }
        return null;
    }

    /**
     * The graph configuration: {@link RetinaNet#torchvision(int)} (P6 from P5, torchvision anchors) on a ResNet of
     * this depth and width with frozen BatchNorm and frozen stem + layer1 (torchvision's
     * {@code trainable_backbone_layers=3}), FPN and heads of {@link #fpnChannels()}.
     */
    public RetinaNetConfig.Builder config() {
        return RetinaNet.torchvision(numClasses).backbone(ResNetConfig.detector(depth, width))
                .fpn(new FpnConfig(fpnChannels, FpnConfig.P6Source.P5))
                .head(new HeadConfig(fpnChannels, headConvs, numAnchors, HeadConfig.DEFAULT_PRIOR,
                        HeadConfig.DEFAULT_WEIGHT_STD));
    }

    /** The same layout with another class count (fine-tuning on new classes). */
    public TorchvisionRetinaNetLayout withNumClasses(int classes) {
        return new TorchvisionRetinaNetLayout(depth, width, fpnChannels, headConvs, numAnchors, classes);
    }

    /** For {@code ModelMetadata#modelConfig}. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("architecture", ARCHITECTURE).put("depth", depth).put("width", width).put("fpnChannels", fpnChannels)
                .put("headConvs", headConvs).put("numAnchors", numAnchors).put("numClasses", numClasses);
        return o;
    }

    /** The layout stored by {@link #toJson()}, or null when {@code json} describes something else (or is null). */
    public static TorchvisionRetinaNetLayout fromJson(JsonNode json) {
        if (json == null || !ARCHITECTURE.equals(json.path("architecture").asText())) {
            return null;
        }
        return new TorchvisionRetinaNetLayout(json.path("depth").asInt(), json.path("width").asInt(),
                json.path("fpnChannels").asInt(), json.path("headConvs").asInt(), json.path("numAnchors").asInt(),
                json.path("numClasses").asInt());
    }
}
