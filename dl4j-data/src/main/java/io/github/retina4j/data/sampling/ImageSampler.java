package io.github.retina4j.data.sampling;

/**
 * The order in which a loader visits images in one epoch: indices into
 * {@link io.github.retina4j.coco.CocoDataset#images()}, possibly repeated (repeat factor
 * sampling) or drawn per class (class-aware sampling). Implementations are deterministic functions of
 * their seed and the epoch number, so training can resume at (epoch, position).
 */
public interface ImageSampler {
    /** The visiting order of epoch {@code epoch} (0-based). */
    int[] epochOrder(int epoch);
}
