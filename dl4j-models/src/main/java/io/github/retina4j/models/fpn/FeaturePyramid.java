package io.github.retina4j.models.fpn;

import io.github.retina4j.models.dl4j.NoRecomputeConvolutionLayer;
import io.github.retina4j.models.backbone.BackboneConfig;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * Adds an FPN (P3–P7) on top of a backbone's C3–C5, built from DL4J layers (oneDNN convolutions).
 *
 * <p>Names follow torchvision's {@code backbone.fpn.*} state-dict keys: laterals
 * {@code backbone.fpn.inner_blocks.{0,1,2}} (1×1 on C3, C4, C5), outputs {@code backbone.fpn.layer_blocks.{0,1,2}}
 * (3×3, = P3, P4, P5), {@code backbone.fpn.extra_blocks.p6} (3×3/2 on C5 or P5), {@code backbone.fpn.extra_blocks.p7}
 * (3×3/2 on ReLU(P6), the ReLU being {@code backbone.fpn.extra_blocks.p7.relu}; on P6 itself when
 * {@link FpnConfig#reluBeforeP7()} is false, as mmdetection); the top-down path is
 * {@code backbone.fpn.upsample.{0,1}} (nearest ×2) and {@code backbone.fpn.merge.{0,1}} (lateral + upsampled).
 * Conv weights {@code [out, in, kH, kW]} with bias, like torch.
 *
 * <p>Exact sizes: nearest ×2 upsampling ({@link Upsampling2D}, integer factors only) reproduces torchvision's
 * {@code interpolate(size=lateral.shape)} whenever C4 and C3 are exactly 2× the next coarser map, i.e. for every
 * input padded to a multiple of 32 (the default size divisor). P6/P7 are strided convs with padding 1, so their
 * sizes are ⌈H/64⌉, ⌈H/128⌉ as in torch, with any divisor.
 */
public final class FeaturePyramid {
    public static final String PREFIX = "backbone.fpn.";
    /** Number of output levels P3..P7. */
    public static final int NUM_LEVELS = 5;

    private FeaturePyramid() {
    }

    /** @return the vertex names of P3, P4, P5, P6, P7 */
    public static String[] addTo(ComputationGraphConfiguration.GraphBuilder g, BackboneConfig.FeatureMaps c, FpnConfig cfg) {
        int ch = cfg.channels();
        String[] inner = new String[3];
        for (int i = 0; i < 3; i++) {
            inner[i] = PREFIX + "inner_blocks." + i;
            g.addLayer(inner[i], conv(c.channels()[i], ch, 1, 1, 0), c.names()[i]);
        }
        String[] p = new String[NUM_LEVELS];
        String last = inner[2];
        g.addLayer(PREFIX + "layer_blocks.2", conv(ch, ch, 3, 1, 1), last);
        p[2] = PREFIX + "layer_blocks.2";
        for (int i = 1; i >= 0; i--) {
            String up = PREFIX + "upsample." + i;
            g.addLayer(up, new Upsampling2D.Builder(2).build(), last);
            String merge = PREFIX + "merge." + i;
            g.addVertex(merge, new ElementWiseVertex(ElementWiseVertex.Op.Add), inner[i], up);
            last = merge;
            p[i] = PREFIX + "layer_blocks." + i;
            g.addLayer(p[i], conv(ch, ch, 3, 1, 1), merge);
        }
        String p6In = cfg.p6Source() == FpnConfig.P6Source.C5 ? c.names()[2] : p[2];
        int p6InCh = cfg.p6Source() == FpnConfig.P6Source.C5 ? c.channels()[2] : ch;
        p[3] = PREFIX + "extra_blocks.p6";
        g.addLayer(p[3], conv(p6InCh, ch, 3, 2, 1), p6In);
        p[4] = PREFIX + "extra_blocks.p7";
        if (!cfg.reluBeforeP7()) {
            g.addLayer(p[4], conv(ch, ch, 3, 2, 1), p[3]);
            return p;
        }
        // P6 is itself an output level, so ReLU must not touch it: with workspaces off (RetinaNet.workspaceMode)
        // DL4J's ActivationLayer applies its activation in place on its input at inference. ScaleVertex(1) copies.
        g.addVertex(PREFIX + "extra_blocks.p7.copy", new ScaleVertex(1.0), p[3]);
        g.addLayer(PREFIX + "extra_blocks.p7.relu", new ActivationLayer.Builder().activation(Activation.RELU).build(),
                PREFIX + "extra_blocks.p7.copy");
        g.addLayer(p[4], conv(ch, ch, 3, 2, 1), PREFIX + "extra_blocks.p7.relu");
        return p;
    }

    /** torchvision FPN init: kaiming_uniform(a=1) = U(±sqrt(3/fan_in)) = LeCun uniform; bias 0. */
    private static ConvolutionLayer conv(int in, int out, int k, int stride, int pad) {
        return NoRecomputeConvolutionLayer.of(new ConvolutionLayer.Builder(k, k).nIn(in).nOut(out).stride(stride, stride)
                .padding(pad, pad).convolutionMode(ConvolutionMode.Truncate).weightInit(WeightInit.LECUN_UNIFORM)
                .biasInit(0.0).activation(Activation.IDENTITY));
    }
}
