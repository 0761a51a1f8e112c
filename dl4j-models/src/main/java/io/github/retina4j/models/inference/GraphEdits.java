package io.github.retina4j.models.inference;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * What the inference copies ({@link BatchNormFolding}, {@link ChannelsLastInference}) share: reading and replacing the
 * layer of a configuration's vertex, and turning an edited copy of a graph's configuration into a graph with the source
 * graph's parameters. The copies are for {@code output}, so frozen wrappers are looked through and dropped.
 */
final class GraphEdits {

    private GraphEdits() {
    }

    /** The layer of a layer vertex with its frozen wrappers removed, or null for any other vertex. */
    static Layer layerOf(GraphVertex v) {
        if (!(v instanceof LayerVertex lv)) {
            return null;
        }
        Layer layer = lv.getLayerConf().getLayer();
        while (true) {
            if (layer instanceof FrozenLayer f) {
                layer = f.getLayer();
            } else if (layer instanceof FrozenLayerWithBackprop f) {
                layer = f.getUnderlying();
            } else {
                return layer;
            }
        }
    }

    /** A non-layer vertex with its frozen wrapper removed (the vertex itself when it has none). */
    static GraphVertex unfrozen(GraphVertex v) {
        return v instanceof FrozenVertex f ? f.getUnderlying() : v;
    }

    /** The same vertex (configuration and input preprocessor) around another layer. */
    static LayerVertex withLayer(LayerVertex v, Layer layer) {
        NeuralNetConfiguration layerConf = v.getLayerConf().clone();
        layerConf.setLayer(layer);
        return new LayerVertex(layerConf, v.getPreProcessor());
    }

    /**
     * A graph of the edited configuration {@code conf} whose vertices take the parameters of {@code source}'s
     * vertices of the same names, except the vertices named in {@code computed} (the caller sets theirs).
     */
    static ComputationGraph instantiate(ComputationGraphConfiguration conf, ComputationGraph source, Set<String> computed) {
        // the configuration caches its vertex order; the graph recomputes it from the edited vertices
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        ComputationGraph copy = new ComputationGraph(conf);
        copy.init();
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : copy.getVertices()) {
            Map<String, INDArray> params = v.paramTable(false);
            if (params != null && !params.isEmpty() && !computed.contains(v.getVertexName())) {
                Map<String, INDArray> from = source.getVertex(v.getVertexName()).paramTable(false);
                params.forEach((key, p) -> p.assign(from.get(key)));
            }
        }
        return copy;
    }
}
