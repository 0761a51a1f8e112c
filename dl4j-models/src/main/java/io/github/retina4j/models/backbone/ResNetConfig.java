package io.github.retina4j.models.backbone;

import io.github.retina4j.models.dl4j.ChannelOrderVertex;
import io.github.retina4j.models.dl4j.NoRecomputeConvolutionLayer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * ResNet-18/34/50/101 in torchvision's layout ("pytorch style": the stride of a bottleneck sits in its 3×3 conv;
 * stem = 7×7/2 conv + 3×3/2 max pool with padding 1), returning C3, C4, C5 = outputs of layer2, layer3, layer4.
 *
 * <p>Vertex names mirror torchvision's state-dict keys with the {@code backbone.body.} prefix of
 * {@code retinanet_resnet50_fpn}: {@code backbone.body.conv1}, {@code backbone.body.bn1} (ReLU fused),
 * {@code backbone.body.maxpool}, {@code backbone.body.layer<s>.<b>.conv<i>}, {@code ....bn<i>} (ReLU fused into
 * bn1/bn2), {@code ....downsample.0} (conv), {@code ....downsample.1} (bn), {@code ....relu} (block output: the
 * residual sum and its ReLU, {@link ResidualReluVertex}). Convs are DL4J {@link ConvolutionLayer}s (weights
 * {@code [out, in, kH, kW]} as torch, no bias).
 *
 * @param depth          18, 34, 50 or 101
 * @param frozenBatchNorm true: torchvision's {@code FrozenBatchNorm2d} (statistics and affine frozen,
 *                        {@link FrozenBatchNorm}); false: trainable DL4J {@link BatchNormalization} (ε 1e-5,
 *                        torch momentum 0.1 = DL4J decay 0.9)
 * @param frozenStages   0: everything trainable; 1: stem + layer1 frozen (torchvision's default
 *                        {@code trainable_backbone_layers=3}; mmdetection's {@code frozen_stages=1})
 * @param width          stem width and 3×3-conv width of layer1, doubled by every later stage: 64 in He et al. 2016
 *                        (Table 1); other values give the same layout with every width scaled, e.g. a narrow
 *                        torchvision-layout test network
 * @param channelsLast   true: the backbone runs on channels-last (NHWC) activations between an input copy
 *                        ({@code backbone.body.channels_last}) and copies of C3..C5 back to NCHW
 *                        ({@code backbone.body.layer<s>.channels_first}), so that its oneDNN convolutions run without
 *                        reorders (DESIGN §10.15); same weights and names, same results to float round-off; needs
 *                        frozen batch norm
 */
public record ResNetConfig(int depth, boolean frozenBatchNorm, int frozenStages, int width, boolean channelsLast)
        implements BackboneConfig {
    /** Stem width and layer1 width of He et al. 2016, Table 1 (the later stages double it: 128, 256, 512). */
    public static final int STEM_CHANNELS = 64;
    private static final int STAGES = 4;
    /** Bottleneck output = 4 × width (He et al. 2016, §4.1 "bottleneck"). */
    public static final int BOTTLENECK_EXPANSION = 4;
    /** BN ε and DL4J decay (= 1 − torch momentum 0.1) for the trainable variant. */
    public static final double BN_EPS = 1e-5;
    public static final double BN_DECAY = 0.9;
    public static final String PREFIX = "backbone.body.";

    public ResNetConfig {
        if (blocks(depth) == null) {
            throw new IllegalArgumentException("ResNet depth must be 18, 34, 50 or 101, got " + depth);
        }
        if (frozenStages < 0 || frozenStages > 1) {
            throw new IllegalArgumentException("frozenStages must be 0 or 1 (stem + layer1), got " + frozenStages);
        }
        if (width < 1) {
            throw new IllegalArgumentException("ResNet width must be positive, got " + width);
        }
        if (channelsLast && !frozenBatchNorm) {
            throw new IllegalArgumentException("a channels-last ResNet needs frozen batch norm");
        }
    }

    /** Channels-first (NCHW) activations throughout. */
    public ResNetConfig(int depth, boolean frozenBatchNorm, int frozenStages, int width) {
        this(depth, frozenBatchNorm, frozenStages, width, false);
    }

    /** The standard widths ({@value #STEM_CHANNELS}), channels-first. */
    public ResNetConfig(int depth, boolean frozenBatchNorm, int frozenStages) {
        this(depth, frozenBatchNorm, frozenStages, STEM_CHANNELS);
    }

    /** Detector defaults of torchvision/mmdetection: frozen BN, stem + layer1 frozen; channels-last. */
    public static ResNetConfig of(int depth) {
        return detector(depth, STEM_CHANNELS);
    }

    /** The detector defaults of {@link #of} at another width (imported test networks). */
    public static ResNetConfig detector(int depth, int width) {
        return new ResNetConfig(depth, true, 1, width, true);
    }

    /** Residual blocks of layer1..layer4 of ResNet-{@code depth} (He et al. 2016, Table 1), null for other depths. */
    public static int[] blocks(int depth) {
        return switch (depth) {
            case 18, 34 -> depth == 18 ? new int[]{2, 2, 2, 2} : new int[]{3, 4, 6, 3};
            case 50 -> new int[]{3, 4, 6, 3};
            case 101 -> new int[]{3, 4, 23, 3};
            default -> null;
        };
    }

    public boolean bottleneck() {
        return depth >= 50;
    }

    /**
     * The depth (18, 34, 50 or 101) whose stages have {@code blocks} blocks of the given kind, as a state dict's key
     * names reveal them; 0 when none has.
     */
    public static int depthOf(int[] blocks, boolean bottleneck) {
        for (int d : new int[] {18, 34, 50, 101}) {
            if (java.util.Arrays.equals(blocks(d), blocks) && (d >= 50) == bottleneck) {
                return d;
            }
        }
        return 0;
    }

    @Override
    public int[] outChannels() {
        int e = bottleneck() ? BOTTLENECK_EXPANSION : 1;
        return new int[]{stageWidth(1) * e, stageWidth(2) * e, stageWidth(3) * e};
    }

    /** Width of the 3×3 convs of stage {@code s} (0 = layer1). */
    private int stageWidth(int s) {
        return width << s;
    }

    @Override
    public FeatureMaps addTo(ComputationGraphConfiguration.GraphBuilder g, String input) {
        boolean freezeStem = frozenStages >= 1;
        String image = input;
        if (channelsLast) {
            image = PREFIX + "channels_last";
            ChannelOrderVertex toNhwc = new ChannelOrderVertex(CNN2DFormat.NHWC);
            g.addVertex(image, freezeStem ? new FrozenVertex(toNhwc) : toNhwc, input);
        }
        add(g, PREFIX + "conv1", conv(3, width, 7, 2, 3), freezeStem, image);
        add(g, PREFIX + "bn1", norm(width, Activation.RELU), freezeStem, PREFIX + "conv1");
        add(g, PREFIX + "maxpool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                .kernelSize(3, 3).stride(2, 2).padding(1, 1).convolutionMode(ConvolutionMode.Truncate)
                .dataFormat(format()).build(), freezeStem, PREFIX + "bn1");
        String x = PREFIX + "maxpool";
        int in = width;
        int[] blocks = blocks(depth);
        String[] outs = new String[3];
        for (int s = 0; s < STAGES; s++) {
            boolean freeze = frozenStages >= s + 1;
            for (int b = 0; b < blocks[s]; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                String name = PREFIX + "layer" + (s + 1) + "." + b + ".";
                // the first block after frozen stages reads an input nothing below it learns from
                boolean inputError = !(frozenStages >= 1 && s == frozenStages && b == 0);
                x = bottleneck() ? bottleneckBlock(g, name, x, in, stageWidth(s), stride, freeze, inputError)
                        : basicBlock(g, name, x, in, stageWidth(s), stride, freeze, inputError);
                in = stageWidth(s) * (bottleneck() ? BOTTLENECK_EXPANSION : 1);
            }
            if (s >= 1) {
                outs[s - 1] = x;
                if (channelsLast) {     // stages 2..4 train (frozenStages ≤ 1): the copy passes errors back
                    outs[s - 1] = PREFIX + "layer" + (s + 1) + ".channels_first";
                    g.addVertex(outs[s - 1], new ChannelOrderVertex(CNN2DFormat.NCHW), x);
                }
            }
        }
        return new FeatureMaps(outs, outChannels());
    }

    private String bottleneckBlock(ComputationGraphConfiguration.GraphBuilder g, String n, String x, int in, int width,
                                   int stride, boolean freeze, boolean inputError) {
        int out = width * BOTTLENECK_EXPANSION;
        add(g, n + "conv1", conv(in, width, 1, 1, 0, inputError), freeze, x);
        add(g, n + "bn1", norm(width, Activation.RELU), freeze, n + "conv1");
        add(g, n + "conv2", conv(width, width, 3, stride, 1), freeze, n + "bn1");
        add(g, n + "bn2", norm(width, Activation.RELU), freeze, n + "conv2");
        add(g, n + "conv3", conv(width, out, 1, 1, 0), freeze, n + "bn2");
        add(g, n + "bn3", norm(out, Activation.IDENTITY), freeze, n + "conv3");
        return residual(g, n, x, in, out, stride, freeze, inputError, n + "bn3");
    }

    private String basicBlock(ComputationGraphConfiguration.GraphBuilder g, String n, String x, int in, int width,
                              int stride, boolean freeze, boolean inputError) {
        add(g, n + "conv1", conv(in, width, 3, stride, 1, inputError), freeze, x);
        add(g, n + "bn1", norm(width, Activation.RELU), freeze, n + "conv1");
        add(g, n + "conv2", conv(width, width, 3, 1, 1), freeze, n + "bn1");
        add(g, n + "bn2", norm(width, Activation.IDENTITY), freeze, n + "conv2");
        return residual(g, n, x, in, width, stride, freeze, inputError, n + "bn2");
    }

    private String residual(ComputationGraphConfiguration.GraphBuilder g, String n, String x, int in, int out,
                            int stride, boolean freeze, boolean inputError, String branch) {
        String identity = x;
        if (stride != 1 || in != out) {
            add(g, n + "downsample.0", conv(in, out, 1, stride, 0, inputError), freeze, x);
            add(g, n + "downsample.1", norm(out, Activation.IDENTITY), freeze, n + "downsample.0");
            identity = n + "downsample.1";
        }
        ResidualReluVertex sum = new ResidualReluVertex();
        g.addVertex(n + "relu", freeze ? new FrozenVertex(sum) : sum, branch, identity);
        return n + "relu";
    }

    /**
     * Adds a layer; {@code freeze} marks the frozen stages (stem and layer1), which sit at the bottom of the network:
     * nothing below them trains, so they are wrapped in DL4J's {@link FrozenLayer} (and {@link FrozenVertex}), whose
     * vertices the graph skips entirely in the backward pass — like torch, which runs no autograd below the first
     * parameter that requires a gradient. Frozen BN of the trainable stages stays a {@link FrozenLayerWithBackprop}
     * (errors must pass through it).
     */
    private static void add(ComputationGraphConfiguration.GraphBuilder g, String name, Layer layer, boolean freeze,
                            String input) {
        if (freeze) {
            Layer inner = layer instanceof FrozenLayerWithBackprop f ? f.getUnderlying() : layer;
            g.addLayer(name, new FrozenLayer(inner), input);
        } else {
            g.addLayer(name, layer, input);
        }
    }

    private CNN2DFormat format() {
        return channelsLast ? CNN2DFormat.NHWC : CNN2DFormat.NCHW;
    }

    private Layer conv(int in, int out, int k, int stride, int pad) {
        return conv(in, out, k, stride, pad, true);
    }

    /** {@code inputError}: see {@link NoRecomputeConvolutionLayer#isInputError}. */
    private Layer conv(int in, int out, int k, int stride, int pad, boolean inputError) {
        NoRecomputeConvolutionLayer c = NoRecomputeConvolutionLayer.of(new ConvolutionLayer.Builder(k, k).nIn(in)
                .nOut(out).stride(stride, stride).padding(pad, pad).convolutionMode(ConvolutionMode.Truncate)
                .hasBias(false).weightInit(WeightInit.RELU).activation(Activation.IDENTITY).dataFormat(format()));
        return inputError ? c : c.withoutInputError();
    }

    private Layer norm(int channels, Activation activation) {
        if (frozenBatchNorm) {
            return FrozenBatchNorm.layer(channels, activation, format());
        }
        return new BatchNormalization.Builder().nIn(channels).nOut(channels).eps(BN_EPS).decay(BN_DECAY)
                .activation(activation).build();
    }
}
