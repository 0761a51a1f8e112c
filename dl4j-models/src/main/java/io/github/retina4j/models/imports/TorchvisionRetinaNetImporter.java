package io.github.retina4j.models.imports;

import io.github.retina4j.models.backbone.FrozenBatchNormLayer;
import io.github.retina4j.models.heads.SharedHeadVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads a torchvision {@code retinanet_resnet50_fpn}-style state dict (exported to {@code .npz}, name →
 * array; any ResNet depth, FPN width and class count) into our RetinaNet graph (DESIGN §6.7). The graph must be built with the torchvision-compatible switches — frozen BatchNorm,
 * P6 from P5, torchvision anchors and box coder at inference — and the same sizes; any difference shows
 * up as a shape error naming both tensors.
 *
 * <p>Names: our builders name their vertices after torchvision's modules, so the mapping is a short
 * table of torchvision patterns → (our vertex, parameter, layout change):
 * <table>
 *   <caption>torchvision key → our parameter</caption>
 *   <tr><td>{@code backbone.body.<conv>.weight}</td><td>layer {@code backbone.body.<conv>}, {@code W} (OIHW in both)</td></tr>
 *   <tr><td>{@code backbone.body.<bn>.{weight,bias,running_mean,running_var}}</td><td>frozen BN layer
 *       {@code backbone.body.<bn>}: {@code W} = γ/√(σ²+ε), {@code b} = β − μ·W (torchvision
 *       {@code FrozenBatchNorm2d}, ε = 1e-5); or a DL4J {@code BatchNormalization}'s gamma/beta/mean/var</td></tr>
 *   <tr><td>{@code backbone.fpn.{inner,layer}_blocks.<i>[.0].{weight,bias}}</td><td>layer
 *       {@code backbone.fpn.{inner,layer}_blocks.<i>} ({@code .0}: torchvision ≥ 0.13's Conv2dNormActivation)</td></tr>
 *   <tr><td>{@code backbone.fpn.extra_blocks.p{6,7}.{weight,bias}}</td><td>layer of the same name</td></tr>
 *   <tr><td>{@code head.<h>.conv.<i>.0.{weight,bias}} (≥ 0.13) or {@code head.<h>.conv.<2i>.*} (older)</td>
 *       <td>shared head vertex {@code head.<h>}, its conv i weight/bias ({@link SharedHeadVertex#convWeight}),
 *       weights OIHW → YXIO</td></tr>
 *   <tr><td>{@code head.<h>.{cls_logits,bbox_reg}.{weight,bias}}</td><td>vertex {@code head.<h>}, its predictor
 *       weight/bias, weights OIHW → YXIO</td></tr>
 * </table>
 * {@code num_batches_tracked} buffers carry no weights and are counted as skipped. Every other key must
 * map to a parameter of the graph, every parameter of the graph must be set, shapes must agree and values be
 * finite; otherwise a one-line {@link IllegalArgumentException} lists every offending name and nothing is written.
 * {@link #importBackbone} does the same for an ImageNet classification ResNet and the graph's backbone.
 */
public final class TorchvisionRetinaNetImporter {

    /** torchvision {@code FrozenBatchNorm2d} default ε. */
    public static final double FROZEN_BN_EPS = 1e-5;

    private static final Pattern BODY = Pattern.compile("(backbone\\.body\\..+)\\.(weight|bias|running_mean|running_var)");
    private static final Pattern FPN_BLOCK = Pattern.compile("(backbone\\.fpn\\.(?:inner|layer)_blocks\\.\\d+)(?:\\.0)?\\.(weight|bias)");
    private static final Pattern FPN_EXTRA = Pattern.compile("(backbone\\.fpn\\.extra_blocks\\.p[67])\\.(weight|bias)");
    private static final Pattern HEAD_CONV_V2 = Pattern.compile("(head\\.(?:classification|regression)_head)\\.conv\\.(\\d+)\\.0\\.(weight|bias)");
    private static final Pattern HEAD_CONV_V1 = Pattern.compile("(head\\.(?:classification|regression)_head)\\.conv\\.(\\d+)\\.(weight|bias)");
    private static final Pattern HEAD_OUT = Pattern.compile("(head\\.(?:classification|regression)_head)\\.(cls_logits|bbox_reg)\\.(weight|bias)");
    /** The balanced pyramid's non-local block (mmdetection {@code neck.1.refine.*}, renamed by {@link MmdetImport}). */
    private static final Pattern REFINE = Pattern.compile("(neck\\.refine)\\.(g|theta|phi|conv_out)\\.(weight|bias)");
    private static final String SKIPPED_SUFFIX = ".num_batches_tracked";
    /** A tensor or parameter name inside an error message. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.]+");

    private TorchvisionRetinaNetImporter() {
    }

    /** What was imported. */
    public record Report(int tensorsImported, int parametersSet, List<String> skipped) {
    }

    /** Reads {@code npz} with {@link NpzReader} and imports it. */
    public static Report importInto(ComputationGraph graph, Path npz) throws IOException {
        return importInto(graph, NpzReader.read(npz));
    }

    /**
     * Copies the state dict into {@code graph}'s parameters (in place). Every parameter of the graph must be set.
     *
     * @throws IllegalArgumentException (one line) listing unexpected keys, graph parameters left unset, shape
     *                                  mismatches and tensors holding NaN or Inf; the graph is then unchanged
     */
    public static Report importInto(ComputationGraph graph, Map<String, INDArray> stateDict) {
        return copy(graph, stateDict, "", k -> true, "torchvision state dict");
    }

    /**
     * {@link #importInto(ComputationGraph, Map)} for a state dict whose keys were renamed to torchvision's: error
     * messages name each tensor by {@code originalNames.get(key)} (the user's name) where there is one.
     */
    static Report importInto(ComputationGraph graph, Map<String, INDArray> stateDict, String what,
                             Map<String, String> originalNames) {
        try {
            return copy(graph, stateDict, "", k -> true, what);
        } catch (IllegalArgumentException e) {
            Matcher m = NAME.matcher(e.getMessage());
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(sb, Matcher.quoteReplacement(originalNames.getOrDefault(m.group(), m.group())));
            }
            m.appendTail(sb);
            // no cause: its message is this one with the renamed keys, and the CLI's one-line error would repeat it
            throw new IllegalArgumentException(sb.toString());
        }
    }

    /**
     * Copies a torchvision ImageNet classification ResNet ({@code torchvision.models.resnet50().state_dict()}:
     * {@code conv1.weight}, {@code bn1.*}, {@code layer<s>.<b>.*}, {@code fc.*}) into the backbone
     * ({@code backbone.body.*}) of a RetinaNet graph whose backbone is a {@link io.github.retina4j.models.backbone.ResNetConfig}
     * of the same depth. The classifier {@code fc.*} is dropped (reported as skipped) and the BatchNorm statistics are
     * those of the checkpoint; every backbone parameter must be set, the FPN and heads keep their initialisation.
     *
     * @throws IllegalArgumentException (one line) naming every unexpected, missing, mis-shaped or non-finite tensor;
     *                                  the graph is then unchanged
     */
    public static Report importBackbone(ComputationGraph graph, Map<String, INDArray> classifierStateDict) {
        Map<String, INDArray> body = new LinkedHashMap<>();
        List<String> classifier = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : classifierStateDict.entrySet()) {
            if (e.getKey().startsWith(CLASSIFIER_PREFIX)) {
                classifier.add(e.getKey() + " (ImageNet classifier, not part of the detector)");
            } else {
                body.put(e.getKey(), e.getValue());
            }
        }
        Report r = copy(graph, body, BACKBONE_PREFIX, p -> p.startsWith(BACKBONE_PREFIX), "ImageNet ResNet state dict");
        List<String> skipped = new ArrayList<>(classifier);
        skipped.addAll(r.skipped());
        return new Report(r.tensorsImported(), r.parametersSet(), List.copyOf(skipped));
    }

    /** torchvision detection models' prefix of the ResNet body. */
    public static final String BACKBONE_PREFIX = "backbone.body.";
    /** The ImageNet classifier of torchvision's ResNets ({@code fc.weight}, {@code fc.bias}). */
    private static final String CLASSIFIER_PREFIX = "fc.";

    /**
     * Maps {@code prefix + key} of every state-dict entry onto the graph; graph parameters accepted by
     * {@code required} must all be set. Messages name the keys as given.
     */
    private static Report copy(ComputationGraph graph, Map<String, INDArray> given, String prefix,
                               java.util.function.Predicate<String> required, String what) {
        Map<String, INDArray> stateDict = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : given.entrySet()) {
            stateDict.put(prefix + e.getKey(), e.getValue());
        }
        Map<String, INDArray> params = graph.paramTable(false);
        Map<String, INDArray> assignments = new LinkedHashMap<>();
        Map<String, Map<String, INDArray>> batchNorms = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        List<String> nonFinite = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int used = 0;
        for (Map.Entry<String, INDArray> e : stateDict.entrySet()) {
            String key = e.getKey();
            INDArray value = e.getValue();
            if (key.endsWith(SKIPPED_SUFFIX)) {
                skipped.add(key.substring(prefix.length()));
                continue;
            }
            long bad = nonFiniteCount(value);
            if (bad > 0) {
                nonFinite.add(key.substring(prefix.length()) + " (" + bad + " of " + value.length() + " values)");
            }
            Matcher m;
            if ((m = HEAD_CONV_V2.matcher(key)).matches()) {
                headParam(graph, m.group(1), Integer.parseInt(m.group(2)), m.group(3), key, value, params, assignments, mismatched, unexpected);
            } else if ((m = HEAD_OUT.matcher(key)).matches()) {
                headParam(graph, m.group(1), -1, m.group(3), key, value, params, assignments, mismatched, unexpected);
            } else if ((m = HEAD_CONV_V1.matcher(key)).matches()) {
                int seq = Integer.parseInt(m.group(2));
                if (seq % 2 != 0) {
                    unexpected.add(key + " (odd index of the pre-0.13 conv/ReLU Sequential)");
                    continue;
                }
                headParam(graph, m.group(1), seq / 2, m.group(3), key, value, params, assignments, mismatched, unexpected);
            } else if ((m = REFINE.matcher(key)).matches()) {
                refineParam(m.group(1), m.group(2), m.group(3), key, value, params, assignments, mismatched, unexpected);
            } else if ((m = FPN_BLOCK.matcher(key)).matches() || (m = FPN_EXTRA.matcher(key)).matches()) {
                convParam(graph, m.group(1), m.group(2), key, value, params, assignments, mismatched, unexpected);
            } else if ((m = BODY.matcher(key)).matches()) {
                String module = m.group(1);
                Layer layer = layerConf(graph, module);
                if (layer instanceof ConvolutionLayer) {
                    convParam(graph, module, m.group(2), key, value, params, assignments, mismatched, unexpected);
                } else if (layer instanceof FrozenBatchNormLayer || layer instanceof BatchNormalization) {
                    batchNorms.computeIfAbsent(module, k -> new LinkedHashMap<>()).put(m.group(2), value);
                } else {
                    unexpected.add(key + (layer == null ? " (no layer '" + module + "' in the graph)"
                            : " (layer '" + module + "' is a " + layer.getClass().getSimpleName() + ")"));
                    continue;
                }
            } else {
                unexpected.add(key);
                continue;
            }
            used++;
        }
        for (Map.Entry<String, Map<String, INDArray>> bn : batchNorms.entrySet()) {
            batchNorm(graph, bn.getKey(), bn.getValue(), params, assignments, mismatched);
        }
        TreeSet<String> unset = new TreeSet<>();
        for (String p : params.keySet()) {
            if (required.test(p) && !assignments.containsKey(p)) {
                unset.add(p);
            }
        }
        if (!unexpected.isEmpty() || !mismatched.isEmpty() || !unset.isEmpty() || !nonFinite.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (!nonFinite.isEmpty()) {
                parts.add("tensors with NaN or Inf values (" + nonFinite.size() + "): " + nonFinite);
            }
            if (!mismatched.isEmpty()) {
                parts.add("shape mismatches (" + mismatched.size() + "): " + strip(mismatched, prefix));
            }
            if (!unexpected.isEmpty()) {
                parts.add("unexpected tensors (" + unexpected.size() + "): " + strip(unexpected, prefix));
            }
            if (!unset.isEmpty()) {
                parts.add("graph parameters missing from the state dict (" + unset.size() + "): " + unset);
            }
            throw new IllegalArgumentException(what + " does not fit the graph: " + String.join("; ", parts));
        }
        for (Map.Entry<String, INDArray> a : assignments.entrySet()) {
            INDArray target = params.get(a.getKey());
            target.assign(a.getValue().castTo(target.dataType()).reshape(target.shape()));
        }
        return new Report(used, assignments.size(), List.copyOf(skipped));
    }

    /** Number of NaN and ±Inf values of a floating-point tensor (0 for integer tensors). */
    static long nonFiniteCount(INDArray value) {
        if (!value.dataType().isFPType() || value.isEmpty()) {
            return 0;
        }
        INDArray d = value.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        return d.isNaN().castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue()
                + d.isInfinite().castTo(org.nd4j.linalg.api.buffer.DataType.INT).sumNumber().longValue();
    }

    /** The messages with the key prefix added for matching removed again (the user's names). */
    private static List<String> strip(List<String> messages, String prefix) {
        if (prefix.isEmpty()) {
            return messages;
        }
        List<String> out = new ArrayList<>(messages.size());
        for (String m : messages) {
            out.add(m.startsWith(prefix) ? m.substring(prefix.length()) : m);
        }
        return out;
    }

    /** DL4J conv layer: torch OIHW weight = DL4J {@code W} [nOut, nIn, kH, kW]; bias [C] = {@code b} [1, C]. */
    private static void convParam(ComputationGraph graph, String layer, String kind, String key, INDArray value,
                                  Map<String, INDArray> params, Map<String, INDArray> out, List<String> mismatched,
                                  List<String> unexpected) {
        String param = layer + "_" + ("weight".equals(kind) ? "W" : "b");
        put(param, key, value, "weight".equals(kind), params, out, mismatched, unexpected);
    }

    /**
     * Shared head vertex parameter (names from the {@link SharedHeadVertex} itself): conv {@code conv} (or the
     * predictor when {@code conv < 0}), weights OIHW → SameDiff YXIO {@code [kH, kW, in, out]}.
     */
    private static void headParam(ComputationGraph graph, String vertex, int conv, String kind, String key, INDArray value,
                                  Map<String, INDArray> params, Map<String, INDArray> out, List<String> mismatched,
                                  List<String> unexpected) {
        GraphVertex conf = graph.getConfiguration().getVertices().get(vertex);
        if (!(conf instanceof SharedHeadVertex head)) {
            unexpected.add(key + " (no shared head vertex '" + vertex + "' in the graph)");
            return;
        }
        boolean weight = "weight".equals(kind);
        String name = conv < 0 ? (weight ? head.predictorWeight() : head.predictorBias())
                : (weight ? SharedHeadVertex.convWeight(conv) : SharedHeadVertex.convBias(conv));
        put(vertex + "_" + name, key, weight ? value.permute(2, 3, 1, 0) : value, weight, params, out, mismatched, unexpected);
    }

    /**
     * Non-local block parameter ({@link io.github.retina4j.models.fpn.NonLocalBlockVertex}: {@code gW}, {@code gb},
     * {@code thetaW} …, {@code convOutW}, {@code convOutb}); 1×1 weights OIHW → YXIO {@code [1, 1, in, out]}.
     */
    private static void refineParam(String vertex, String conv, String kind, String key, INDArray value,
                                    Map<String, INDArray> params, Map<String, INDArray> out, List<String> mismatched,
                                    List<String> unexpected) {
        boolean weight = "weight".equals(kind);
        String name = ("conv_out".equals(conv) ? "convOut" : conv) + (weight ? "W" : "b");
        put(vertex + "_" + name, key, weight && value.rank() == 4 ? value.permute(2, 3, 1, 0) : value, weight, params, out,
                mismatched, unexpected);
    }

    /** torchvision FrozenBatchNorm2d → our frozen affine layer, or DL4J BatchNormalization's four arrays. */
    private static void batchNorm(ComputationGraph graph, String module, Map<String, INDArray> t,
                                  Map<String, INDArray> params, Map<String, INDArray> out, List<String> mismatched) {
        for (String k : new String[] {"weight", "bias", "running_mean", "running_var"}) {
            if (!t.containsKey(k)) {
                mismatched.add(module + "." + k + " is missing (a BatchNorm needs weight, bias, running_mean, running_var)");
                for (String p : new String[] {"_W", "_b", "_gamma", "_beta", "_mean", "_var"}) {
                    if (params.containsKey(module + p)) {
                        out.putIfAbsent(module + p, null);  // reported here, not again as missing
                    }
                }
                return;
            }
        }
        INDArray gamma = t.get("weight").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray beta = t.get("bias").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray mean = t.get("running_mean").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray var = t.get("running_var").castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        Layer layer = layerConf(graph, module);
        if (layer instanceof BatchNormalization) {
            put(module + "_gamma", module + ".weight", gamma, false, params, out, mismatched, null);
            put(module + "_beta", module + ".bias", beta, false, params, out, mismatched, null);
            put(module + "_mean", module + ".running_mean", mean, false, params, out, mismatched, null);
            put(module + "_var", module + ".running_var", var, false, params, out, mismatched, null);
            return;
        }
        // y = (x − μ)·γ/√(σ² + ε) + β = x·scale + shift (torchvision FrozenBatchNorm2d.forward)
        INDArray scale = gamma.div(Transforms.sqrt(var.add(FROZEN_BN_EPS), false));
        INDArray shift = beta.sub(mean.mul(scale));
        put(module + "_W", module + ".weight", scale, false, params, out, mismatched, null);
        put(module + "_b", module + ".bias", shift, false, params, out, mismatched, null);
    }

    /**
     * Records an assignment after checking the shape: weights must match exactly, vectors by length
     * (DL4J keeps biases as {@code [1, C]}).
     */
    private static void put(String param, String key, INDArray value, boolean exactShape, Map<String, INDArray> params,
                            Map<String, INDArray> out, List<String> mismatched, List<String> unexpected) {
        INDArray target = params.get(param);
        if (target == null) {
            if (unexpected != null) {
                unexpected.add(key + " (no graph parameter '" + param + "')");
            } else {
                mismatched.add(key + " → no graph parameter '" + param + "'");
            }
            return;
        }
        boolean ok = exactShape ? Arrays.equals(target.shape(), value.shape()) : target.length() == value.length()
                && (value.rank() <= 1 || target.rank() <= 2);
        if (!ok) {
            mismatched.add(key + " " + Arrays.toString(value.shape()) + " vs " + param + " " + Arrays.toString(target.shape()));
            out.putIfAbsent(param, null);  // reported as a mismatch, not again as missing
            return;
        }
        if (out.containsKey(param)) {
            mismatched.add(key + " sets " + param + " a second time");
            return;
        }
        out.put(param, value);
    }

    private static Layer layerConf(ComputationGraph graph, String name) {
        if (graph.getConfiguration().getVertices().get(name) == null || graph.getLayer(name) == null) {
            return null;
        }
        Layer l = graph.getLayer(name).conf().getLayer();
        while (true) {
            if (l instanceof FrozenLayerWithBackprop f) {
                l = f.getUnderlying();
            } else if (l instanceof FrozenLayer f) {
                l = f.getLayer();
            } else {
                return l;
            }
        }
    }
}
