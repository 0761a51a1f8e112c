package io.github.retina4j.models.fpn;

/**
 * Graph vertex: adaptive max pooling of input 0 to the size of input 1, torch's
 * {@code F.adaptive_max_pool2d(x, ref.shape[2:])} ({@link AdaptiveMaxPool}).
 */
public class AdaptiveMaxPoolVertex extends ResizeToReferenceVertex {

    @Override
    protected SpatialResize resize() {
        return AdaptiveMaxPool.INSTANCE;
    }

    @Override
    public AdaptiveMaxPoolVertex clone() {
        return new AdaptiveMaxPoolVertex();
    }
}
