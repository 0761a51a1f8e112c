package io.github.retina4j.data.anchors;

/**
 * The grid structure of the anchors of one padded size: anchor {@code levelStart[l] + (y·w_l + x)·k + c} is
 * {@code cell_l[c] + (x·strideX_l, y·strideY_l, x·strideX_l, y·strideY_l)}. Lets the assigner visit only the anchors a
 * box can overlap instead of all A of them. Immutable; accessors return copies.
 */
public final class AnchorLayout {

    private final int[] levelStart;
    private final int[][] featureSizes;
    private final int[][] strides;
    private final double[][] cellAnchors;
    private final int numAnchors;

    AnchorLayout(int[] levelStart, int[][] featureSizes, int[][] strides, double[][] cellAnchors, int numAnchors) {
        this.levelStart = levelStart;
        this.featureSizes = featureSizes;
        this.strides = strides;
        this.cellAnchors = cellAnchors;
        this.numAnchors = numAnchors;
    }

    public int numLevels() {
        return levelStart.length;
    }

    public int numAnchors() {
        return numAnchors;
    }

    /** First anchor index of level {@code l}. */
    public int levelStart(int l) {
        return levelStart[l];
    }

    /** Feature-map height of level {@code l}. */
    public int height(int l) {
        return featureSizes[l][0];
    }

    /** Feature-map width of level {@code l}. */
    public int width(int l) {
        return featureSizes[l][1];
    }

    /** Shift between rows of level {@code l} in pixels. */
    public int strideY(int l) {
        return strides[l][0];
    }

    /** Shift between columns of level {@code l} in pixels. */
    public int strideX(int l) {
        return strides[l][1];
    }

    /** Number of anchors per location. */
    public int anchorsPerLocation() {
        return cellAnchors[0].length / 4;
    }

    /** Coordinate {@code k} (x1, y1, x2, y2) of cell anchor {@code c} of level {@code l}, centred on the origin. */
    public double cellAnchor(int l, int c, int k) {
        return cellAnchors[l][4 * c + k];
    }
}
