package io.github.retina4j.models.fpn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A resize of the two spatial axes of {@code [N, C, H, W]} maps to a given size {@code [N, C, h, w]}, with its
 * gradient. Implementations follow torch's semantics exactly (the balanced feature pyramid must match
 * mmdetection's {@code BFP}) and are stateless apart from size-keyed caches, so one instance serves every thread.
 */
public interface SpatialResize {

    /** Writes the resized {@code x} into {@code out}, whose height and width give the target size. */
    void forward(INDArray x, INDArray out);

    /**
     * Writes into {@code gradIn} (shape of {@code x}) the gradient of {@code sum(forward(x) · gradOut)} with respect
     * to {@code x}.
     */
    void backward(INDArray x, INDArray gradOut, INDArray gradIn);
}
