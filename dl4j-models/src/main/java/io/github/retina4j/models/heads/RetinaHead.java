package io.github.retina4j.models.heads;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/**
 * Adds the two shared subnets to a graph. Vertex names follow torchvision:
 * {@value #CLASSIFICATION} (output {@code [N, C, A]}) and {@value #REGRESSION} (output {@code [N, 4, A]}).
 */
public final class RetinaHead {
    public static final String CLASSIFICATION = "head.classification_head";
    public static final String REGRESSION = "head.regression_head";
    /** Box deltas per anchor (dx, dy, dw, dh). */
    public static final int BOX_DIM = 4;

    private RetinaHead() {
    }

    public static SharedHeadVertex classificationVertex(int numLevels, int inChannels, int numClasses, HeadConfig c) {
        return new SharedHeadVertex(numLevels, inChannels, c.channels(), c.numConvs(), c.numAnchors(), numClasses,
                "clsLogits", c.weightStd(), c.classBias());
    }

    public static SharedHeadVertex regressionVertex(int numLevels, int inChannels, HeadConfig c) {
        return new SharedHeadVertex(numLevels, inChannels, c.channels(), c.numConvs(), c.numAnchors(), BOX_DIM,
                "bboxReg", c.weightStd(), 0.0);
    }

    /** @return {class vertex name, box vertex name} */
    public static String[] addTo(ComputationGraphConfiguration.GraphBuilder g, String[] levels, int inChannels,
                                 int numClasses, HeadConfig c) {
        g.addVertex(CLASSIFICATION, classificationVertex(levels.length, inChannels, numClasses, c), levels);
        g.addVertex(REGRESSION, regressionVertex(levels.length, inChannels, c), levels);
        return new String[]{CLASSIFICATION, REGRESSION};
    }
}
