package io.github.retina4j.models.fpn;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;

/**
 * Balanced feature pyramid (Pang et al. 2019, "Libra R-CNN", §3.2), mmdetection's {@code BFP}:
 * <ol>
 *   <li>gather: every level is resized to the size of the refine level (P4 by default) — adaptive max pooling
 *       for larger maps, nearest interpolation for smaller ones;</li>
 *   <li>integrate: C = (1/L) Σ_l C_l;</li>
 *   <li>refine: embedded-Gaussian non-local block ({@link NonLocalBlockVertex});</li>
 *   <li>strengthen: the refined map is resized back to each level (inverse operations) and added as a residual.</li>
 * </ol>
 *
 * <p>Exact sizes: with inputs padded to a multiple of 128 ({@link #REQUIRED_SIZE_DIVISOR}), every level is an
 * exact power-of-two multiple of P4, so adaptive max pooling is a max pool with kernel = stride = ratio and
 * nearest interpolation is {@link Upsampling2D} by the ratio — both DL4J layers with oneDNN, both exactly
 * torch's {@code adaptive_max_pool2d} / {@code interpolate(mode='nearest')} at those sizes. Other sizes are
 * rejected by the builders (a SameDiff resize would be needed; not implemented).
 *
 * <p>Vertex names: {@code neck.gather.<l>}, {@code neck.integrate}, {@code neck.refine} (the non-local block,
 * parameters {@code neck.refine_g_weight} …), {@code neck.scatter.<l>}, {@code neck.out.<l>} (= refined P3..P7).
 */
public final class BalancedFeaturePyramid {
    public static final String PREFIX = "neck.";
    /** 2^(levels − 1) for P3..P7: every level is then an integer multiple of P7. */
    public static final int REQUIRED_SIZE_DIVISOR = 128;

    private BalancedFeaturePyramid() {
    }

    /**
     * @param levels   vertex names of P3..P7 (finest first)
     * @param channels their channel count
     * @return vertex names of the strengthened levels
     */
    public static String[] addTo(ComputationGraphConfiguration.GraphBuilder g, String[] levels, int channels, BfpConfig cfg) {
        int r = cfg.refineLevel();
        if (r < 0 || r >= levels.length) {
            throw new IllegalArgumentException("BFP refine level " + r + " outside 0.." + (levels.length - 1));
        }
        String[] gathered = new String[levels.length];
        for (int l = 0; l < levels.length; l++) {
            int factor = 1 << Math.abs(l - r);
            if (l < r) {
                gathered[l] = PREFIX + "gather." + l;
                g.addLayer(gathered[l], maxPool(factor), levels[l]);
            } else if (l > r) {
                gathered[l] = PREFIX + "gather." + l;
                g.addLayer(gathered[l], new Upsampling2D.Builder(factor).build(), levels[l]);
            } else {
                gathered[l] = levels[l];
            }
        }
        String integrate = PREFIX + "integrate";
        g.addVertex(integrate, new ElementWiseVertex(ElementWiseVertex.Op.Average), gathered);
        String refine = PREFIX + "refine";
        g.addVertex(refine, new NonLocalBlockVertex(channels, channels / cfg.reduction(), cfg.useScale()), integrate);
        String[] out = new String[levels.length];
        for (int l = 0; l < levels.length; l++) {
            int factor = 1 << Math.abs(l - r);
            String residual = refine;
            if (l != r) {
                residual = PREFIX + "scatter." + l;
                g.addLayer(residual, l < r ? new Upsampling2D.Builder(factor).build() : maxPool(factor), refine);
            }
            out[l] = PREFIX + "out." + l;
            g.addVertex(out[l], new ElementWiseVertex(ElementWiseVertex.Op.Add), residual, levels[l]);
        }
        return out;
    }

    private static SubsamplingLayer maxPool(int factor) {
        return new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(factor, factor)
                .stride(factor, factor).convolutionMode(ConvolutionMode.Truncate).build();
    }

    /** Number of parameters the BFP adds for {@code channels} channels (4 1×1 convs with bias). */
    public static long numParams(int channels, BfpConfig cfg) {
        long ci = channels / cfg.reduction();
        return 3 * (channels * ci + ci) + (ci * channels + channels);
    }
}
