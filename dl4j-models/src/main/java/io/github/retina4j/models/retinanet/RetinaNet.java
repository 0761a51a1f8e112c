package io.github.retina4j.models.retinanet;

import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.losses.L1Loss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.losses.SmoothL1Loss;
import io.github.retina4j.models.backbone.BackboneConfig;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import org.nd4j.linalg.learning.config.Adam;
import io.github.retina4j.models.dl4j.GradientWorkspaceSizing;
import io.github.retina4j.models.dl4j.DualBackendVertex;
import io.github.retina4j.models.dl4j.OneDnnSupport;
import io.github.retina4j.models.dl4j.VertexBackend;
import io.github.retina4j.models.fpn.BalancedFeaturePyramid;
import io.github.retina4j.models.fpn.FeaturePyramid;
import io.github.retina4j.models.heads.RetinaHead;
import io.github.retina4j.models.optimize.L2WeightDecay;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import java.util.List;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import io.github.retina4j.models.dl4j.SinglePassLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;

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

    /**
     * Paper RetinaNet (Lin et al. 2017 §4, mmdetection {@code retinanet_r50_fpn_1x}): ResNet-50 with frozen BN and
     * frozen stem + layer1, FPN P3–P7 with P6 from C5, 4-conv shared heads, 9 anchors, focal loss (α 0.25, γ 2),
     * smooth L1 (β 1/9, detectron2), SGD momentum 0.9, lr 0.01, weight decay 1e-4.
     */
    public static RetinaNetConfig.Builder defaults(int numClasses) {
        return new RetinaNetConfig.Builder(numClasses)
                .classLoss(new SigmoidFocalLoss(FOCAL_ALPHA, FOCAL_GAMMA))
                .boxLoss(new SmoothL1Loss());
    }

    /**
     * torchvision's {@code retinanet_resnet50_fpn} layout (P6 from P5, torchvision anchor arithmetic, L1 box loss as
     * torchvision's {@code RetinaNetRegressionHead}): same parameters, for imported weights.
     */
    public static RetinaNetConfig.Builder torchvision(int numClasses) {
        return defaults(numClasses).fpn(FpnConfig.torchvision()).anchors(AnchorConfig.torchvisionRetinaNet())
                .boxLoss(new L1Loss());
    }

    /**
     * A small RetinaNet that trains from scratch on a 2-core CPU ({@code shapes-lt}): {@link SmallBackboneConfig}
     * widths 16–96, 64-channel FPN, 2-conv 64-channel heads, Adam lr 1e-3, no weight decay. Other settings as
     * {@link #defaults(int)}.
     */
    public static RetinaNetConfig.Builder small(int numClasses) {
        return defaults(numClasses).backbone(SmallBackboneConfig.defaults())
                .fpn(new FpnConfig(SMALL_CHANNELS, FpnConfig.P6Source.C5))
                .head(new HeadConfig(SMALL_CHANNELS, SMALL_HEAD_CONVS, HeadConfig.DEFAULT_NUM_ANCHORS,
                        HeadConfig.DEFAULT_PRIOR, HeadConfig.DEFAULT_WEIGHT_STD))
                .updater(new Adam(SMALL_LEARNING_RATE)).weightDecay(0);
    }

    /** Width of FPN and heads of {@link #small(int)}. */
    public static final int SMALL_CHANNELS = 64;
    /** Head depth of {@link #small(int)}. */
    public static final int SMALL_HEAD_CONVS = 2;
    /** Adam step of {@link #small(int)}. */
    public static final double SMALL_LEARNING_RATE = 1e-3;

    /**
     * DL4J workspace mode of a graph that contains a vertex executed through SameDiff (a shared head or non-local
     * block built with {@link VertexBackend#SAMEDIFF}, the reference implementations). With {@code ENABLED}, DL4J
     * 1.0.0-M2.1 reuses workspace memory still referenced by SameDiff vertices once the activations outgrow the first
     * iteration's workspace: measured with SameDiff heads on the small RetinaNet at 256x256, batch 8, the
     * second {@code fit} crashed the JVM (SIGSEGV in libnd4jcpu's RELU) or produced Inf gradients and a loss that
     * diverged and differed between runs with the same seed. Guarded, with {@link #WORKSPACES}, by
     * {@code RetinaNetTest#workspacesOnlyWithoutSameDiffVerticesAndTheyChangeNothing}.
     */
    public static final WorkspaceMode WORKSPACES_WITH_SAMEDIFF = WorkspaceMode.NONE;
    /**
     * Workspace mode of every other graph: DL4J reuses activation and gradient memory across iterations instead of
     * allocating (and page-faulting) fresh native memory for every layer output (measured: 23 % of a ResNet-50
     * RetinaNet training step went to {@code allocateDataBuffer} without workspaces).
     */
    public static final WorkspaceMode WORKSPACES = WorkspaceMode.ENABLED;

    /** {@link #WORKSPACES_WITH_SAMEDIFF} if any vertex of {@code conf} runs through SameDiff, else {@link #WORKSPACES}. */
    public static WorkspaceMode workspaceMode(ComputationGraphConfiguration conf) {
        for (org.deeplearning4j.nn.conf.graph.GraphVertex v : conf.getVertices().values()) {
            boolean handWritten = v instanceof DualBackendVertex d && d.getBackend() == VertexBackend.NATIVE_OPS;
            if (v instanceof SameDiffVertex && !handWritten) {
                return WORKSPACES_WITH_SAMEDIFF;
            }
        }
        return WORKSPACES;
    }

    /** The DL4J configuration for {@code c}. */
    public static ComputationGraphConfiguration configuration(RetinaNetConfig c) {
        OneDnnSupport.enable();
        NeuralNetConfiguration.Builder nn = new NeuralNetConfiguration.Builder()
                .seed(c.seed())
                // losses return the DESIGN §3 objective normalised by N_pos; miniBatch(false) stops DL4J from dividing the
                // gradients by N a second time (dl4j-losses package-info, "normalisation contract")
                .miniBatch(false)
                .dataType(c.dataType())
                .updater(c.updater());
        if (c.weightDecay() > 0) {
            // PyTorch's weight_decay: λ·θ joins the gradient before the updater. DL4J's weightDecay would subtract
            // lr·λ·θ after the momentum step instead (decoupled, as AdamW), which differs under momentum.
            nn.regularization(List.of(new L2WeightDecay(c.weightDecay())))
                    .regularizationBias(List.of(new L2WeightDecay(c.weightDecay())));
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
        ComputationGraphConfiguration conf = g.build();
        WorkspaceMode workspaces = workspaceMode(conf);
        conf.setTrainingWorkspaceMode(workspaces);
        conf.setInferenceWorkspaceMode(workspaces);
        return conf;
    }

    /**
     * A freshly initialised graph for {@code c}, listened to by {@link GradientWorkspaceSizing} (DL4J's
     * {@code setListeners} replaces it: add it to the new list, or use {@code addListeners}).
     */
    public static ComputationGraph build(RetinaNetConfig c) {
        ComputationGraph graph = new ComputationGraph(configuration(c));
        graph.init();
        graph.addListeners(new GradientWorkspaceSizing());
        return graph;
    }

    /** DL4J's {@link RnnLossLayer}, evaluating its loss once per training step (DESIGN §10.13). */
    private static RnnLossLayer output(org.nd4j.linalg.lossfunctions.ILossFunction loss) {
        return SinglePassLossLayer.of(loss);
    }

    private static final String[] BN_RUNNING_STATISTICS = {
            org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_MEAN,
            org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_VAR,
            org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GLOBAL_LOG_STD};

    /**
     * Parameters that training updates by gradient: everything except frozen layers (frozen BN, frozen stages) and the
     * running statistics of trainable BatchNorm layers (DL4J keeps them in the parameter vector, torch as buffers) —
     * the counterpart of torchvision's {@code sum(p.numel() for p in model.parameters() if p.requires_grad)}.
     */
    public static long trainableParams(ComputationGraph graph) {
        long n = 0;
        for (GraphVertex v : graph.getVertices()) {
            if (v.hasLayer()) {
                Layer l = v.getLayer();
                if (!(l instanceof FrozenLayerWithBackprop) && !(l instanceof org.deeplearning4j.nn.layers.FrozenLayer)) {
                    n += l.numParams();
                    if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
                        for (String stat : BN_RUNNING_STATISTICS) {
                            org.nd4j.linalg.api.ndarray.INDArray p = l.paramTable().get(stat);
                            n -= p == null ? 0 : p.length();
                        }
                    }
                }
            } else if (v.params() != null) {
                n += v.params().length();
            }
        }
        return n;
    }
}
