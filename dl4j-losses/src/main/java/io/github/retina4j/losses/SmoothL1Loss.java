package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Smooth L1 box regression loss (Fast R-CNN eq. 3 with a transition point β; DESIGN §3.5):
 * L(d) = 0.5·d²/β if d &lt; β, else d − 0.5·β. β = 0 is the L1 loss.
 * Default β = 1/9 ≈ 0.111, the value of the original Detectron / maskrcnn-benchmark RetinaNet, which
 * DESIGN §3.5 adopts (detectron2's current config key {@code MODEL.RETINANET.SMOOTH_L1_LOSS_BETA} is 0.1;
 * pass it explicitly to reproduce that). Contract: see {@link AbstractBoxLoss}.
 */
public class SmoothL1Loss extends AbstractBoxLoss {

    private static final long serialVersionUID = 1L;

    /** β = 1/9: Detectron / maskrcnn-benchmark RetinaNet setting (DESIGN §3.5). */
    public static final double DEFAULT_BETA = 1.0 / 9.0;

    @JsonProperty("beta")
    private double beta;

    public SmoothL1Loss() {
        this(DEFAULT_BETA);
    }

    /** @param beta transition point β ≥ 0 */
    public SmoothL1Loss(double beta) {
        LossMath.checkNonNegative("SmoothL1Loss beta", beta);
        this.beta = beta;
    }

    public double getBeta() {
        return beta;
    }

    @Override
    protected void elementLoss(INDArray d, INDArray dGrad) {
        if (beta == 0.0) {
            if (dGrad != null) {
                dGrad.assign(1.0);
            }
            return;
        }
        INDArray quad = d.lt(beta).castTo(d.dataType());                 // 1 on the quadratic branch
        if (dGrad != null) {
            // L' = d/β on the quadratic branch, 1 on the linear one
            dGrad.divi(beta).subi(1.0).muli(quad).addi(1.0);
        }
        // L = lin + quad·(0.5 d²/β − lin), lin = d − 0.5 β
        INDArray q = d.mul(d).muli(0.5 / beta);
        d.subi(0.5 * beta);
        d.addi(q.subi(d).muli(quad));
    }

    @Override
    public String name() {
        return "SmoothL1Loss(beta=" + beta + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SmoothL1Loss && Double.compare(beta, ((SmoothL1Loss) o).beta) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(beta) * 31 + 7;
    }
}
