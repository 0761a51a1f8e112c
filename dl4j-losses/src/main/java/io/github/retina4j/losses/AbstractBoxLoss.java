package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Base of the box regression losses (DESIGN §3.4–3.5): labels are the encoded targets
 * {@code [N·A, 4]} (dx, dy, dw, dh) and pre-output the predicted deltas, as {@code RnnLossLayer} passes
 * a {@code [N, 4, A]} box head output. The mask marks positive anchors ({@code [N·A, 1]}, or
 * {@code [N·A, 4]}; a row counts as positive when any of its entries is non-zero). No mask = every
 * row positive. S = Σ_{positive anchors} Σ_4 L(|pred − target|) / Z, Z = max(1, number of positive
 * anchors in the minibatch), as mmdetection/the reference file; the loss returns S and ∂S/∂pred (no
 * minibatch division; build graphs with {@code miniBatch(false)}, see the package documentation).
 */
public abstract class AbstractBoxLoss extends AbstractDenseLoss {

    private static final long serialVersionUID = 1L;

    /**
     * In place on {@code d} (= |pred − target| ≥ 0): d ← L(d); {@code dGrad} (a copy of d) ← L'(d), if non-null.
     */
    protected abstract void elementLoss(INDArray d, INDArray dGrad);

    @Override
    protected Terms compute(INDArray target, INDArray pred, INDArray mask, boolean wantGrad, boolean training) {
        double z = LossMath.normalizer(LossMath.countUsedRows(mask, pred.rows()));
        INDArray diff = pred.sub(target);
        INDArray d = Transforms.abs(diff, true);
        INDArray dGrad = wantGrad ? d.dup() : null;
        elementLoss(d, dGrad);
        INDArray loss = LossMath.applyMask(d, mask).divi(z);
        INDArray grad = null;
        if (wantGrad) {
            grad = LossMath.applyMask(dGrad.muli(Transforms.sign(diff, false)), mask).divi(z);
        }
        return new Terms(loss, grad);
    }
}
