package io.github.retina4j.models.fpn;

/**
 * Graph vertex: nearest-neighbour resize of input 0 to the size of input 1, torch's
 * {@code F.interpolate(x, size=ref.shape[2:], mode='nearest')} ({@link NearestResize}).
 */
public class NearestResizeVertex extends ResizeToReferenceVertex {

    @Override
    protected SpatialResize resize() {
        return NearestResize.INSTANCE;
    }

    @Override
    public NearestResizeVertex clone() {
        return new NearestResizeVertex();
    }
}
