package io.github.retina4j.data.targets;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Dense training targets of a batch, in the layouts the losses take (DESIGN §2/§3, float32):
 *
 * @param classTargets {@code [N, C, A]} one-hot classes; background and ignored anchors are all-zero columns
 * @param boxTargets   {@code [N, 4, A]} encoded deltas (dx, dy, dw, dh); zero where {@code boxMask} is 0
 * @param classMask    {@code [N, A]} 1 for anchors used by the classification loss (positives and negatives), 0 for
 *                     ignored (and, with a sampler, unsampled) anchors
 * @param boxMask      {@code [N, A]} 1 for positive anchors (the anchors of the regression loss)
 * @param assignments  per image, the anchor assignment the targets were built from
 * @param numPositive  Σ boxMask (N_pos before max(1, ·))
 */
public record DenseTargets(INDArray classTargets, INDArray boxTargets, INDArray classMask, INDArray boxMask,
                           List<Assignment> assignments, int numPositive) {

    public DenseTargets {
        assignments = List.copyOf(assignments);
    }
}
