package io.github.retina4j.data.transform;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-channel normalisation (x − mean) / std of an RGB {@code [3, H, W]} or {@code [N, 3, H, W]} image
 * with values in 0..255 (DESIGN §2). Default: ImageNet statistics as torchvision/mmdetection use them.
 */
public record ImageNormalizer(float[] mean, float[] std) {
    /** ImageNet RGB mean (torchvision / mmdetection, 0..255 scale). */
    public static final float[] IMAGENET_MEAN = {123.675f, 116.28f, 103.53f};
    /** ImageNet RGB std (torchvision / mmdetection, 0..255 scale). */
    public static final float[] IMAGENET_STD = {58.395f, 57.12f, 57.375f};
    public static final ImageNormalizer IMAGENET = new ImageNormalizer(IMAGENET_MEAN, IMAGENET_STD);

    public ImageNormalizer {
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("normaliser needs 3 means and 3 stds");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("normaliser std must be > 0, got " + s);
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Normalises in place and returns the same array (channel axis 0 for rank 3, 1 for rank 4). */
    public INDArray normalize(INDArray image) {
        int axis = image.rank() - 3;
        if (axis < 0 || image.size(axis) != 3) {
            throw new IllegalArgumentException("expected an RGB image [3,H,W] or [N,3,H,W], got shape "
                    + java.util.Arrays.toString(image.shape()));
        }
        INDArray m = Nd4j.createFromArray(mean).castTo(image.dataType());
        INDArray s = Nd4j.createFromArray(std).castTo(image.dataType());
        // broadcast over the channel dimension: one native op each
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastSubOp(image, m, image, axis));
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastDivOp(image, s, image, axis));
        return image;
    }

    /** Inverse of {@link #normalize} (for drawing), in place. */
    public INDArray denormalize(INDArray image) {
        int axis = image.rank() - 3;
        INDArray m = Nd4j.createFromArray(mean).castTo(image.dataType());
        INDArray s = Nd4j.createFromArray(std).castTo(image.dataType());
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp(image, s, image, axis));
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp(image, m, image, axis));
        return image;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageNormalizer n && java.util.Arrays.equals(mean, n.mean) && java.util.Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * java.util.Arrays.hashCode(mean) + java.util.Arrays.hashCode(std);
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }
}
