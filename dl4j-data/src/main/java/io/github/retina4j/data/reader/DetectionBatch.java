package io.github.retina4j.data.reader;

import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.data.transform.SizeDivisorPadding;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/**
 * A collated minibatch (DESIGN §2, §4.3): the normalised, zero-padded RGB tensor
 * {@code [N, 3, H, W]} (H, W multiples of the size divisor) and per image the ground-truth boxes
 * {@code [G, 4]} (x1, y1, x2, y2 in network-input pixels, float), contiguous classes {@code [G]},
 * crowd/ignore boxes {@code [K, 4]} and {@link ImageMeta}. Per-image data is also available as
 * primitive arrays. Immutable after construction (do not modify the arrays).
 */
public final class DetectionBatch {
    private final INDArray images;
    private final List<float[]> boxes;
    private final List<int[]> classes;
    private final List<float[]> ignoreBoxes;
    private final List<ImageMeta> metas;

    public DetectionBatch(INDArray images, List<float[]> boxes, List<int[]> classes, List<float[]> ignoreBoxes,
                          List<ImageMeta> metas) {
        int n = (int) images.size(0);
        if (boxes.size() != n || classes.size() != n || ignoreBoxes.size() != n || metas.size() != n) {
            throw new IllegalArgumentException("batch of " + n + " images needs " + n + " box/class/ignore/meta entries");
        }
        for (int i = 0; i < n; i++) {
            if (boxes.get(i).length != 4 * classes.get(i).length) {
                throw new IllegalArgumentException("image " + i + ": " + boxes.get(i).length / 4 + " boxes but "
                        + classes.get(i).length + " classes");
            }
        }
        this.images = images;
        this.boxes = List.copyOf(boxes);
        this.classes = List.copyOf(classes);
        this.ignoreBoxes = List.copyOf(ignoreBoxes);
        this.metas = List.copyOf(metas);
    }

    /** Collates samples: pads every image at bottom/right with zeros to a common size divisible by {@code sizeDivisor}. */
    public static DetectionBatch collate(List<DetectionSample> samples, int sizeDivisor) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("cannot collate an empty batch");
        }
        int h = 0;
        int w = 0;
        for (DetectionSample s : samples) {
            h = Math.max(h, s.meta().validHeight());
            w = Math.max(w, s.meta().validWidth());
        }
        int ph = SizeDivisorPadding.pad(h, sizeDivisor);
        int pw = SizeDivisorPadding.pad(w, sizeDivisor);
        INDArray images = Nd4j.zeros(DataType.FLOAT, samples.size(), 3, ph, pw);
        for (int i = 0; i < samples.size(); i++) {
            DetectionSample s = samples.get(i);
            images.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.interval(0, s.meta().validHeight()),
                    NDArrayIndex.interval(0, s.meta().validWidth())).assign(s.image());
        }
        return new DetectionBatch(images, samples.stream().map(DetectionSample::boxes).toList(),
                samples.stream().map(DetectionSample::classes).toList(),
                samples.stream().map(DetectionSample::ignoreBoxes).toList(),
                samples.stream().map(DetectionSample::meta).toList());
    }

    /** Number of images N. */
    public int size() {
        return metas.size();
    }

    /** {@code [N, 3, H, W]} normalised RGB, zero padding. */
    public INDArray images() {
        return images;
    }

    public int paddedHeight() {
        return (int) images.size(2);
    }

    public int paddedWidth() {
        return (int) images.size(3);
    }

    /** Ground-truth boxes of image i as {@code [G, 4]} float (G may be 0: an empty array). */
    public INDArray gtBoxes(int i) {
        return boxArray(boxes.get(i));
    }

    /** Contiguous classes of image i as an int32 vector {@code [G]}. */
    public INDArray gtClasses(int i) {
        int[] c = classes.get(i);
        return c.length == 0 ? Nd4j.empty(DataType.INT32) : Nd4j.createFromArray(c);
    }

    /** Crowd / ignore regions of image i as {@code [K, 4]} float. */
    public INDArray ignoreBoxes(int i) {
        return boxArray(ignoreBoxes.get(i));
    }

    /** Packed (x1, y1, x2, y2, ...) ground-truth boxes of image i (do not modify). */
    public float[] boxes(int i) {
        return boxes.get(i);
    }

    /** Contiguous classes of image i (do not modify). */
    public int[] classes(int i) {
        return classes.get(i);
    }

    /** Packed ignore boxes of image i (do not modify). */
    public float[] ignore(int i) {
        return ignoreBoxes.get(i);
    }

    public ImageMeta meta(int i) {
        return metas.get(i);
    }

    public List<ImageMeta> metas() {
        return metas;
    }

    /** {@code [N, H, W]} float mask: 1 inside each image's valid (unpadded) area, 0 in the padding. */
    public INDArray validMask() {
        INDArray m = Nd4j.zeros(DataType.FLOAT, size(), paddedHeight(), paddedWidth());
        for (int i = 0; i < size(); i++) {
            ImageMeta meta = metas.get(i);
            m.get(NDArrayIndex.point(i), NDArrayIndex.interval(0, meta.validHeight()),
                    NDArrayIndex.interval(0, meta.validWidth())).assign(1);
        }
        return m;
    }

    private static INDArray boxArray(float[] packed) {
        if (packed.length == 0) {
            return Nd4j.create(DataType.FLOAT, 0, 4);
        }
        return Nd4j.createFromArray(packed).reshape(packed.length / 4, 4);
    }

    @Override
    public String toString() {
        return "DetectionBatch[" + size() + " images, " + paddedHeight() + "x" + paddedWidth() + "]";
    }
}
