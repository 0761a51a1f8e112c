package io.github.retina4j.models.retinanet;

import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.models.backbone.BackboneConfig;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.fpn.BfpConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.Objects;

/**
 * Everything that defines a RetinaNet / Libra RetinaNet graph. Immutable; {@link #toString()} prints it all.
 * Start from {@link RetinaNet#defaults(int)} or {@link LibraRetinaNet#defaults(int)} and change fields with
 * {@link #toBuilder()}.
 *
 * @param numClasses       C, foreground classes (no background class: sigmoid losses)
 * @param backbone         C3–C5 producer
 * @param fpn              P3–P7
 * @param balancedPyramid  Libra's balanced feature pyramid after the FPN, or {@code null} (plain RetinaNet)
 * @param head             shared subnets
 * @param anchors          anchor layout the heads predict for (cell anchors per location = head.numAnchors, one
 *                         stride per pyramid level P3..P7); also used by the target iterator and inference
 * @param classLoss        loss on the class logits {@code [N, C, A]} (focal, EFL, EQL-focal …)
 * @param boxLoss          loss on the box deltas {@code [N, 4, A]} (smooth L1, L1, balanced L1); ignored when
 *                         {@code jointLoss} is set
 * @param jointLoss        optional loss that sees both outputs at once (e.g. PISA's CARL): if set, the graph has
 *                         a single output {@value RetinaNet#JOINT_OUTPUT} = [class logits ; box deltas] concatenated
 *                         on axis 1, {@code [N, C + 4, A]}, labelled as {@link DetectionTargetIterator} describes;
 *                         otherwise {@code null}
 * @param updater          optimiser (paper §4.1: SGD, momentum 0.9, lr 0.01 for 16 images per batch; DL4J's
 *                         momentum SGD is {@link Nesterovs})
 * @param weightDecay      L2 weight decay (paper §4.1: 1e-4), applied to weights and biases as torch's SGD does
 * @param sizeDivisor      inputs must be padded to a multiple of it (a multiple of 32, with or without the balanced
 *                         pyramid: its resizes take any level sizes)
 * @param dataType         network data type (FLOAT; DOUBLE for gradient checks)
 * @param seed             parameter initialisation seed
 */
public record RetinaNetConfig(int numClasses, BackboneConfig backbone, FpnConfig fpn, BfpConfig balancedPyramid,
                              HeadConfig head, AnchorConfig anchors, ILossFunction classLoss, ILossFunction boxLoss, ILossFunction jointLoss,
                              IUpdater updater, double weightDecay, int sizeDivisor,
                              DataType dataType, long seed) {
    /**
     * Stride of C5: inputs must be multiples of it for the exact 2× top-down path. Also enough for the balanced
     * feature pyramid, whose gather/scatter resizes handle any level sizes (P6/P7 of ⌈H/64⌉, ⌈H/128⌉).
     */
    public static final int MIN_SIZE_DIVISOR = 32;

    public RetinaNetConfig {
        if (numClasses < 1) {
            throw new IllegalArgumentException("RetinaNetConfig: numClasses must be ≥ 1, got " + numClasses);
        }
        Objects.requireNonNull(backbone, "RetinaNetConfig: backbone");
        Objects.requireNonNull(fpn, "RetinaNetConfig: fpn");
        Objects.requireNonNull(head, "RetinaNetConfig: head");
        Objects.requireNonNull(anchors, "RetinaNetConfig: anchors");
        int perCell = anchors.ratios().length * anchors.scalesPerOctave();
        if (perCell != head.numAnchors()) {
            throw new IllegalArgumentException("RetinaNetConfig: anchors give " + perCell + " anchors per location but the "
                    + "head predicts " + head.numAnchors());
        }
        if (!java.util.Arrays.equals(anchors.strides(), AnchorConfig.RETINANET_STRIDES)) {
            throw new IllegalArgumentException("RetinaNetConfig: anchor strides must be those of P3..P7 "
                    + java.util.Arrays.toString(AnchorConfig.RETINANET_STRIDES) + ", got "
                    + java.util.Arrays.toString(anchors.strides()));
        }
        Objects.requireNonNull(updater, "RetinaNetConfig: updater");
        Objects.requireNonNull(dataType, "RetinaNetConfig: dataType");
        if (jointLoss == null && (classLoss == null || boxLoss == null)) {
            throw new IllegalArgumentException("RetinaNetConfig: classLoss and boxLoss (or a jointLoss) must be set; got "
                    + "classLoss=" + classLoss + ", boxLoss=" + boxLoss);
        }
        if (sizeDivisor < MIN_SIZE_DIVISOR || sizeDivisor % MIN_SIZE_DIVISOR != 0) {
            throw new IllegalArgumentException("RetinaNetConfig: sizeDivisor " + sizeDivisor + " must be a multiple of "
                    + MIN_SIZE_DIVISOR + " (stride of C5)");
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("RetinaNetConfig: weightDecay=" + weightDecay + " must be ≥ 0");
        }
    }

    public boolean isLibra() {
        return balancedPyramid != null;
    }

    /** Throws if an input of this size cannot go through the graph with exact resizes. */
    public void checkInputSize(long height, long width) {
        if (height <= 0 || width <= 0 || height % sizeDivisor != 0 || width % sizeDivisor != 0) {
            throw new IllegalArgumentException("Input size " + height + "×" + width + " is not padded to a multiple of "
                    + sizeDivisor + " (the model's size divisor)");
        }
    }

    /** Mutable copy. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Mutable builder over {@link RetinaNetConfig}. */
    public static final class Builder {
        private int numClasses;
        private BackboneConfig backbone = ResNetConfig.of(50);
        private FpnConfig fpn = FpnConfig.paper();
        private BfpConfig balancedPyramid;
        private HeadConfig head = HeadConfig.paper();
        private AnchorConfig anchors = AnchorConfig.retinaNet();
        private ILossFunction classLoss;
        private ILossFunction boxLoss;
        private ILossFunction jointLoss;
        private IUpdater updater = new Nesterovs(0.01, 0.9);
        private double weightDecay = 1e-4;
        private int sizeDivisor = MIN_SIZE_DIVISOR;
        private DataType dataType = DataType.FLOAT;
        private long seed = 42;

        public Builder(int numClasses) {
            this.numClasses = numClasses;
        }

        private Builder(RetinaNetConfig c) {
            numClasses = c.numClasses; backbone = c.backbone; fpn = c.fpn; balancedPyramid = c.balancedPyramid;
            head = c.head; anchors = c.anchors; classLoss = c.classLoss; boxLoss = c.boxLoss; jointLoss = c.jointLoss; updater = c.updater;
            weightDecay = c.weightDecay; sizeDivisor = c.sizeDivisor;
            dataType = c.dataType; seed = c.seed;
        }

        public Builder numClasses(int v) { numClasses = v; return this; }
        public Builder backbone(BackboneConfig v) { backbone = v; return this; }
        public Builder fpn(FpnConfig v) { fpn = v; return this; }
        public Builder balancedPyramid(BfpConfig v) { balancedPyramid = v; return this; }
        public Builder head(HeadConfig v) { head = v; return this; }
        public Builder anchors(AnchorConfig v) { anchors = v; return this; }
        public Builder classLoss(ILossFunction v) { classLoss = v; return this; }
        public Builder boxLoss(ILossFunction v) { boxLoss = v; return this; }
        public Builder jointLoss(ILossFunction v) { jointLoss = v; return this; }
        public Builder updater(IUpdater v) { updater = v; return this; }
        public Builder weightDecay(double v) { weightDecay = v; return this; }
        public Builder sizeDivisor(int v) { sizeDivisor = v; return this; }
        public Builder dataType(DataType v) { dataType = v; return this; }
        public Builder seed(long v) { seed = v; return this; }

        public RetinaNetConfig build() {
            return new RetinaNetConfig(numClasses, backbone, fpn, balancedPyramid, head, anchors, classLoss, boxLoss, jointLoss,
                    updater, weightDecay, sizeDivisor, dataType, seed);
        }
    }
}
