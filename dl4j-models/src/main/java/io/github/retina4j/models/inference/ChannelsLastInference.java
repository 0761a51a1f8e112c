package io.github.retina4j.models.inference;

import io.github.retina4j.models.backbone.FrozenBatchNormLayer;
import io.github.retina4j.models.backbone.ResidualReluVertex;
import io.github.retina4j.models.dl4j.ChannelOrderVertex;
import io.github.retina4j.models.dl4j.NoRecomputeConvolutionLayer;
import io.github.retina4j.models.dl4j.VertexBackend;
import io.github.retina4j.models.heads.SharedHeadVertex;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Inference copy of a graph whose convolutions run on channels-last (NHWC) activations (DESIGN §10.14): libnd4j's
 * oneDNN {@code conv2d} reorders NCHW activations to and from its own blocked layout around every call, and on this
 * project's CPU that reorder costs as much as a ResNet bottleneck's 1×1 convolution itself; on NHWC it does not.
 *
 * <p>The copy takes its image input as {@code [N, H, W, 3]} ({@link Detector} permutes it). Every convolution of the
 * models' own ({@link NoRecomputeConvolutionLayer}), max pooling, nearest upsampling and the shared heads
 * ({@link SharedHeadVertex#channelsLast()}) and unfolded frozen batch norms switch to NHWC; adds, scales and activations
 * follow their inputs; a channels-last backbone's own copies are dropped and placed anew; any other
 * vertex (the balanced feature pyramid's, the output layers) keeps NCHW behind a {@link ChannelOrderVertex}. The heads'
 * outputs {@code [N, K, A]} are the same in both forms, so the graph's outputs are unchanged. Forward only; the source
 * graph is not modified.
 */
public final class ChannelsLastInference {

    private ChannelsLastInference() {
    }

    /**
     * The channels-last copy, or null when the graph has no convolution that would run channels-last or one of its
     * outputs is itself a rank-4 activation that would change its layout.
     */
    public static ComputationGraph convert(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        if (vertices.values().stream().noneMatch(v -> GraphEdits.layerOf(v) instanceof NoRecomputeConvolutionLayer)) {
            return null;
        }
        bypassChannelOrderCopies(conf);
        Map<String, Boolean> channelsLast = new HashMap<>();
        for (String in : conf.getNetworkInputs()) {
            channelsLast.put(in, true);
        }
        // converted producers, so that two consumers of the same activation share one copy
        Map<String, String> toNchw = new HashMap<>();
        Map<String, String> toNhwc = new HashMap<>();
        Map<String, GraphVertex> added = new LinkedHashMap<>();
        Map<String, String> producerOf = new HashMap<>();
        for (String name : topologicalOrder(graph)) {
            GraphVertex v = vertices.get(name);
            if (v == null) {
                continue;                               // a bypassed copy
            }
            List<String> in = inputs.get(name);
            Kind kind = kindOf(v);
            // a vertex that takes either order follows the majority of its inputs (ties: channels-last), so that the
            // fewest of them need a copy (the balanced feature pyramid's average of four NCHW maps and one NHWC one)
            long lastInputs = in.stream().filter(channelsLast::get).count();
            boolean last = kind == Kind.CHANNELS_LAST
                    || (kind == Kind.EITHER && lastInputs > 0 && 2 * lastInputs >= in.size());
            for (int i = 0; i < in.size(); i++) {
                String producer = in.get(i);
                boolean producerLast = channelsLast.get(producer);
                if (last && !producerLast) {
                    in.set(i, converter(producer, CNN2DFormat.NHWC, toNhwc, added, producerOf));
                } else if (!last && producerLast) {
                    in.set(i, converter(producer, CNN2DFormat.NCHW, toNchw, added, producerOf));
                }
            }
            if (last) {
                vertices.put(name, channelsLastForm(v));
            }
            // the heads take NHWC levels but give [N, K, A], the same in both forms
            channelsLast.put(name, last && !(v instanceof SharedHeadVertex));
        }
        if (conf.getNetworkOutputs().stream().anyMatch(channelsLast::get)) {
            return null;            // an output would change its layout: callers expect the graph's own
        }
        for (Map.Entry<String, GraphVertex> e : added.entrySet()) {
            vertices.put(e.getKey(), e.getValue());
            inputs.put(e.getKey(), new ArrayList<>(List.of(producerOf.get(e.getKey()))));
        }
        ComputationGraph copy = GraphEdits.instantiate(conf, graph, Set.of());
        return copy;
    }

    /**
     * Removes the channel-order copies of the source graph (a channels-last backbone's, {@code ResNetConfig}): this pass
     * places its own copies from the vertices' kinds, so each consumer reads the copy's input instead.
     */
    private static void bypassChannelOrderCopies(ComputationGraphConfiguration conf) {
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        List<String> copies = vertices.entrySet().stream()
                .filter(e -> GraphEdits.unfrozen(e.getValue()) instanceof ChannelOrderVertex)
                .map(Map.Entry::getKey).filter(name -> !conf.getNetworkOutputs().contains(name)).toList();
        for (String copy : copies) {
            String source = inputs.get(copy).get(0);
            for (List<String> in : inputs.values()) {
                in.replaceAll(x -> x.equals(copy) ? source : x);
            }
            vertices.remove(copy);
            inputs.remove(copy);
        }
    }

    private enum Kind { CHANNELS_LAST, EITHER, CHANNELS_FIRST }

    private static Kind kindOf(GraphVertex v) {
        if (v instanceof SharedHeadVertex head) {
            // the channels-last form runs on the hand-written runtime only
            return head.getBackend() == VertexBackend.NATIVE_OPS ? Kind.CHANNELS_LAST : Kind.CHANNELS_FIRST;
        }
        GraphVertex unwrapped = GraphEdits.unfrozen(v);
        if (unwrapped instanceof ElementWiseVertex || unwrapped instanceof ScaleVertex
                || unwrapped instanceof ResidualReluVertex) {
            return Kind.EITHER;
        }
        Layer layer = GraphEdits.layerOf(v);
        // exact classes: subclasses (DL4J's 1D/3D pooling, other convolutions) keep NCHW
        if (layer != null && (layer.getClass() == NoRecomputeConvolutionLayer.class || layer.getClass() == SubsamplingLayer.class
                || layer.getClass() == Upsampling2D.class || layer.getClass() == FrozenBatchNormLayer.class)) {
            return Kind.CHANNELS_LAST;
        }
        return layer instanceof ActivationLayer ? Kind.EITHER : Kind.CHANNELS_FIRST;
    }

    /** The NHWC form of a vertex of kind {@link Kind#CHANNELS_LAST} or {@link Kind#EITHER}, frozen wrappers dropped. */
    private static GraphVertex channelsLastForm(GraphVertex v) {
        if (v instanceof SharedHeadVertex head) {
            return head.channelsLast();
        }
        if (!(v instanceof LayerVertex lv)) {
            return v;                                   // adds and scales have no channel order
        }
        Layer layer = GraphEdits.layerOf(v).clone();
        if (layer instanceof NoRecomputeConvolutionLayer c) {
            c.setCnn2dDataFormat(CNN2DFormat.NHWC);
        } else if (layer instanceof SubsamplingLayer s) {
            s.setCnn2dDataFormat(CNN2DFormat.NHWC);
        } else if (layer instanceof Upsampling2D u) {
            u.setFormat(CNN2DFormat.NHWC);
        } else if (layer instanceof FrozenBatchNormLayer f) {
            f.setDataFormat(CNN2DFormat.NHWC);
        }
        return GraphEdits.withLayer(lv, layer);
    }

    private static String converter(String producer, CNN2DFormat to, Map<String, String> made, Map<String, GraphVertex> added,
                                    Map<String, String> producerOf) {
        return made.computeIfAbsent(producer, p -> {
            String name = p + (to == CNN2DFormat.NHWC ? ".to_nhwc" : ".to_nchw");
            added.put(name, new ChannelOrderVertex(to));
            producerOf.put(name, p);
            return name;
        });
    }

    /** The source graph's vertex order (DL4J's own topological sort), network inputs excluded. */
    private static List<String> topologicalOrder(ComputationGraph graph) {
        List<String> order = new ArrayList<>();
        for (int index : graph.topologicalSortOrder()) {
            org.deeplearning4j.nn.graph.vertex.GraphVertex v = graph.getVertices()[index];
            if (!v.isInputVertex()) {
                order.add(v.getVertexName());
            }
        }
        return order;
    }
}
