package io.github.retina4j.models.retinanet;

import io.github.retina4j.models.backbone.BackboneConfig;
import io.github.retina4j.models.dl4j.OneDnnSupport;
import io.github.retina4j.models.fpn.BalancedFeaturePyramid;
import io.github.retina4j.models.fpn.FeaturePyramid;
import io.github.retina4j.models.heads.RetinaHead;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.nd4j.linalg.activations.Activation;

/**
 * Builds RetinaNet (Lin et al. 2017, "Focal Loss for Dense Object Detection") and, when the config has a
 * balanced pyramid, Libra RetinaNet, as a DL4J {@link ComputationGraph}.
 *
 * <p>Graph: input {@value #INPUT} {@code [N, 3, H, W]} (normalised RGB, H and W multiples of the config's size
 * divisor) → backbone ({@code backbone.body.*}) → FPN ({@code backbone.fpn.*}) → [balanced pyramid
 * ({@code neck.*})] → shared heads ({@value RetinaHead#CLASSIFICATION}, {@value RetinaHead#REGRESSION}) → outputs
 * {@value #CLASS_OUTPUT} {@code [N, C, A]} and {@value #BOX_OUTPUT} {@code [N, 4, A]}: identity
 * {@link RnnLossLayer}s carrying the configured losses (labels in the same layouts, label masks {@code [N, A]}
 * or {@code [N, C, A]}). With a joint loss the single output is {@value #JOINT_OUTPUT}.
 */
public final class RetinaNet {
    public static final String INPUT = "image";
    public static final String CLASS_OUTPUT = "class_logits";
    public static final String BOX_OUTPUT = "box_deltas";
    public static final String JOINT_OUTPUT = "detections";
    /** Focal loss α, γ (paper §3.2, Table 1a/b best: α = 0.25, γ = 2). */
    public static final double FOCAL_ALPHA = 0.25;
    public static final double FOCAL_GAMMA = 2.0;

    private RetinaNet() {
    }

    /** The DL4J configuration for {@code c}. */
    public static ComputationGraphConfiguration configuration(RetinaNetConfig c) {
        OneDnnSupport.enable();
        NeuralNetConfiguration.Builder nn = new NeuralNetConfiguration.Builder()
                .seed(c.seed())
                .dataType(c.dataType())
                .updater(c.updater())
                .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
        if (c.weightDecay() > 0) {
            nn.weightDecay(c.weightDecay()).weightDecayBias(c.weightDecay());
        }
        if (c.gradientClipL2() > 0) {
            nn.gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(c.gradientClipL2());
        }
        ComputationGraphConfiguration.GraphBuilder g = nn.graphBuilder().addInputs(INPUT);
        BackboneConfig.FeatureMaps c345 = c.backbone().addTo(g, INPUT);
        String[] levels = FeaturePyramid.addTo(g, c345, c.fpn());
        if (c.balancedPyramid() != null) {
            levels = BalancedFeaturePyramid.addTo(g, levels, c.fpn().channels(), c.balancedPyramid());
        }
        String[] heads = RetinaHead.addTo(g, levels, c.fpn().channels(), c.numClasses(), c.head());
        if (c.jointLoss() != null) {
            g.addVertex(JOINT_OUTPUT + ".merge", new MergeVertex(), heads[0], heads[1]);
            g.addLayer(JOINT_OUTPUT, output(c.jointLoss()), JOINT_OUTPUT + ".merge");
            g.setOutputs(JOINT_OUTPUT);
        } else {
            g.addLayer(CLASS_OUTPUT, output(c.classLoss()), heads[0]);
            g.addLayer(BOX_OUTPUT, output(c.boxLoss()), heads[1]);
            g.setOutputs(CLASS_OUTPUT, BOX_OUTPUT);
        }
        return g.build();
    }

    /** A freshly initialised graph for {@code c}. */
    public static ComputationGraph build(RetinaNetConfig c) {
        ComputationGraph graph = new ComputationGraph(configuration(c));
        graph.init();
        return graph;
    }

    private static RnnLossLayer output(org.nd4j.linalg.lossfunctions.ILossFunction loss) {
        return new RnnLossLayer.Builder().lossFunction(loss).activation(Activation.IDENTITY).build();
    }

    /**
     * Parameters that training updates: everything except frozen layers (frozen BN, frozen stages) — the
     * counterpart of torchvision's {@code sum(p.numel() for p in model.parameters() if p.requires_grad)}.
     */
    public static long trainableParams(ComputationGraph graph) {
        long n = 0;
        for (GraphVertex v : graph.getVertices()) {
            if (v.hasLayer()) {
                Layer l = v.getLayer();
                if (!(l instanceof FrozenLayerWithBackprop) && !(l instanceof org.deeplearning4j.nn.layers.FrozenLayer)) {
                    n += l.numParams();
                }
            } else if (v.params() != null) {
                n += v.params().length();
            }
        }
        return n;
    }
}
