package io.github.retina4j.models.fpn;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;

/**
 * Balanced feature pyramid (Pang et al. 2019, "Libra R-CNN", §3.2), mmdetection's {@code BFP}:
 * <ol>
 *   <li>gather: every level is resized to the size of the refine level (P4 by default) — adaptive max pooling
 *       for finer levels, nearest interpolation for coarser ones;</li>
 *   <li>integrate: C = (1/L) Σ_l C_l;</li>
 *   <li>refine: embedded-Gaussian non-local block ({@link NonLocalBlockVertex});</li>
 *   <li>strengthen: the refined map is resized back to each level (nearest for finer levels, adaptive max pooling
 *       for coarser ones) and added as a residual.</li>
 * </ol>
 *
 * <p>Sizes: any. The resizes take their target size at run time from the level they resize to
 * ({@link AdaptiveMaxPoolVertex}, {@link NearestResizeVertex}: torch's {@code F.adaptive_max_pool2d} /
 * {@code F.interpolate(mode='nearest')} exactly, also at non-integer ratios such as P4 50×84 → P6 13×21 for an
 * 800×1344 input), so Libra RetinaNet takes inputs padded to 32 like RetinaNet.
 *
 * <p>Vertex names: {@code neck.gather.<l>}, {@code neck.integrate}, {@code neck.refine} (the non-local block,
 * parameters {@code neck.refine_gW} …, see {@link NonLocalBlockVertex}), {@code neck.scatter.<l>}, {@code neck.out.<l>} (= refined P3..P7).
 */
public final class BalancedFeaturePyramid {
    public static final String PREFIX = "neck.";

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
            if (l == r) {
                gathered[l] = levels[l];
            } else {
                gathered[l] = PREFIX + "gather." + l;
                g.addVertex(gathered[l], l < r ? new AdaptiveMaxPoolVertex() : new NearestResizeVertex(), levels[l], levels[r]);
            }
        }
        String integrate = PREFIX + "integrate";
        g.addVertex(integrate, new ElementWiseVertex(ElementWiseVertex.Op.Average), gathered);
        String refine = PREFIX + "refine";
        g.addVertex(refine, new NonLocalBlockVertex(channels, channels / cfg.reduction(), cfg.useScale()), integrate);
        String[] out = new String[levels.length];
        for (int l = 0; l < levels.length; l++) {
            String residual = refine;
            if (l != r) {
                residual = PREFIX + "scatter." + l;
                g.addVertex(residual, l < r ? new NearestResizeVertex() : new AdaptiveMaxPoolVertex(), refine, levels[l]);
            }
            out[l] = PREFIX + "out." + l;
            g.addVertex(out[l], new ElementWiseVertex(ElementWiseVertex.Op.Add), residual, levels[l]);
        }
        return out;
    }

    /** Number of parameters the BFP adds for {@code channels} channels (4 1×1 convs with bias). */
    public static long numParams(int channels, BfpConfig cfg) {
        long ci = channels / cfg.reduction();
        return 3 * (channels * ci + ci) + (ci * channels + channels);
    }
}
