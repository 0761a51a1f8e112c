package io.github.retina4j.data.targets;

import io.github.retina4j.data.boxes.Boxes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The ground truth of one image in network-input pixels: boxes {@code [G, 4]} (x1, y1, x2, y2), contiguous class indices
 * {@code [G]} (0..C−1) and crowd/ignore regions {@code [K, 4]}. Held as primitive copies (immutable).
 */
public final class GroundTruth {

    private final double[] boxes;
    private final int[] classes;
    private final double[] ignoreBoxes;

    private GroundTruth(double[] boxes, int[] classes, double[] ignoreBoxes) {
        if (boxes.length % 4 != 0 || ignoreBoxes.length % 4 != 0) {
            throw new IllegalArgumentException("box arrays must have a length divisible by 4");
        }
        if (classes.length != boxes.length / 4) {
            throw new IllegalArgumentException(boxes.length / 4 + " gt boxes but " + classes.length + " class indices");
        }
        this.boxes = boxes;
        this.classes = classes;
        this.ignoreBoxes = ignoreBoxes;
    }

    /** From flat arrays (copied). {@code ignoreBoxes} may be null. */
    public static GroundTruth of(double[] boxes, int[] classes, double[] ignoreBoxes) {
        return new GroundTruth(boxes.clone(), classes.clone(), ignoreBoxes == null ? new double[0] : ignoreBoxes.clone());
    }

    /**
     * From INDArrays: boxes {@code [G, 4]}, classes {@code [G]} (any numeric type holding integers), ignore boxes
     * {@code [K, 4]} or null.
     */
    public static GroundTruth of(INDArray boxes, INDArray classes, INDArray ignoreBoxes) {
        double[] b = Boxes.toFlat(boxes, "gt boxes");
        int[] c = classes == null || classes.length() == 0 ? new int[0] : classes.castTo(DataType.INT).dup('c').data().asInt();
        double[] ig = ignoreBoxes == null ? new double[0] : Boxes.toFlat(ignoreBoxes, "ignore boxes");
        return new GroundTruth(b, c, ig);
    }

    /** An image without objects. */
    public static GroundTruth empty() {
        return new GroundTruth(new double[0], new int[0], new double[0]);
    }

    public int numBoxes() {
        return classes.length;
    }

    /** Flat boxes (a copy). */
    public double[] boxes() {
        return boxes.clone();
    }

    /** Class indices (a copy). */
    public int[] classes() {
        return classes.clone();
    }

    /** Flat ignore boxes (a copy). */
    public double[] ignoreBoxes() {
        return ignoreBoxes.clone();
    }

    double[] boxesInternal() {
        return boxes;
    }

    int[] classesInternal() {
        return classes;
    }

    double[] ignoreInternal() {
        return ignoreBoxes;
    }

    @Override
    public String toString() {
        return "GroundTruth{boxes=" + classes.length + ", classes=" + Arrays.toString(classes) + ", ignore=" + ignoreBoxes.length / 4 + '}';
    }
}
