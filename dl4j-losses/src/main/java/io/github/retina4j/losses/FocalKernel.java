package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The sigmoid focal term shared by focal, equalized focal and equalization focal losses, written
 * in a stable form. With s = 1 − 2y and z = s·x (labels y ∈ {0, 1}):
 * 1 − p_t = σ(z), CE = softplus(z), log(1 − p_t) = z − softplus(z), hence
 * FL = α_t·σ(z)^γ·softplus(z) and ∂FL/∂x = α_t·s·σ(z)^γ·(γ·p_t·CE + σ(z)) with p_t = σ(−z)
 * (no negative powers, no log of a sigmoid: finite for any finite logit).
 */
final class FocalKernel {

    private FocalKernel() {
    }

    /**
     * Unmasked, unnormalised focal terms.
     *
     * @param gamma        scalar γ (used when {@code gammaRow} is null)
     * @param gammaRow     per-class γ_j as a [1, C] row vector, or null
     * @param weightRow    per-class weight [1, C] (EFL's γ_j/γ_b), or null
     * @param elemWeights  per-element weights [R, C] (EQL), or null
     * @return {loss, grad} (grad null unless wanted)
     */
    static INDArray[] compute(INDArray y, INDArray x, double alpha, double gamma, INDArray gammaRow,
                              INDArray weightRow, INDArray elemWeights, boolean wantGrad) {
        // Whole-array ND4J ops, in place where possible (temporaries live in the loss workspace, see
        // AbstractDenseLoss). Transcendentals: one exp inside SoftPlus, one exp for σ(z) — no sigmoid/pow op.
        INDArray s = y.mul(-2.0).addi(1.0);              // s = 1 − 2y
        INDArray z = x.mul(s);                           // z = s·x
        INDArray ce = LossMath.softplusi(z.dup());       // CE = softplus(z), stable form
        INDArray lsig = z.subi(ce);                      // log σ(z) = z − softplus(z), in z's buffer
        INDArray qg;                                     // (1 − p_t)^γ
        INDArray q = null;                               // 1 − p_t = σ(z)
        if (gammaRow != null) {
            // σ(z)^γ_j = exp(γ_j·log σ(z)), per class
            qg = Transforms.exp(lsig.mulRowVector(gammaRow), false);
            if (wantGrad) {
                q = Transforms.exp(lsig, false);
            }
        } else {
            q = Transforms.exp(lsig, false);
            if (gamma == 2.0) {
                qg = q.mul(q);
            } else if (gamma == 0.0) {
                qg = q.like().assign(1.0);
            } else {
                qg = Transforms.pow(q, gamma, true);
            }
        }
        // common = α_t·σ(z)^γ·weights, with α_t = (1 − α) + y·(2α − 1)
        INDArray common = y.mul(2.0 * alpha - 1.0).addi(1.0 - alpha).muli(qg);
        if (weightRow != null) {
            common.muliRowVector(weightRow);
        }
        if (elemWeights != null) {
            common.muli(elemWeights);
        }
        INDArray loss = common.mul(ce);
        INDArray grad = null;
        if (wantGrad) {
            // γ·p_t·CE + σ(z), p_t = 1 − σ(z); reuse the qg buffer
            grad = qg.assign(q).rsubi(1.0).muli(ce);
            if (gammaRow != null) {
                grad.muliRowVector(gammaRow);
            } else {
                grad.muli(gamma);
            }
            grad.addi(q).muli(common).muli(s);
        } else {
            LossMath.release(qg);
        }
        LossMath.release(s);
        LossMath.release(z);
        LossMath.release(ce);
        LossMath.release(common);
        return new INDArray[]{loss, grad};
    }
}
