package io.github.retina4j.data.boxes;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Box utilities for boxes {@code (x1, y1, x2, y2)} in absolute pixels (DESIGN §2: width = x2 − x1, no "+1").
 *
 * <p>Arrays of boxes are {@code [n, 4]} INDArrays, or flat primitive {@code double[]} of length 4n in row-major
 * order for the hot paths. The pairwise functions are tight primitive loops: ND4J has no fused IoU op, and the
 * broadcasting equivalent costs about ten full passes over the {@code [G, A]} matrix.
 */
public final class Boxes {

    private Boxes() {
    }

    /** Returns the boxes of a {@code [n, 4]} array as a flat row-major {@code double[4n]} (a copy). */
    public static double[] toFlat(INDArray boxes, String what) {
        requireBoxes(boxes, what);
        if (boxes.length() == 0) {
            return new double[0];
        }
        return flatDoubles(boxes);
    }

    /**
     * All elements of {@code arr} in C order as a new {@code double[]}. Reads the buffer directly when the array is a
     * dense C-order non-view (the common case), avoiding the native cast and copy ops.
     */
    public static double[] flatDoubles(INDArray arr) {
        if (!arr.isView() && arr.ordering() == 'c' && arr.data().length() == arr.length()
                && (arr.dataType() == DataType.DOUBLE || arr.dataType() == DataType.FLOAT)) {
            return arr.data().asDouble();
        }
        return arr.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** Wraps flat row-major box coordinates as a {@code [n, 4]} array of the given type. */
    public static INDArray fromFlat(double[] flat, DataType type) {
        if (flat.length % 4 != 0) {
            throw new IllegalArgumentException("flat box array length " + flat.length + " is not a multiple of 4");
        }
        if (flat.length == 0) {
            return Nd4j.create(type, 0, 4);
        }
        return Nd4j.create(flat, new long[] {flat.length / 4, 4}, DataType.DOUBLE).castTo(type);
    }

    /** Checks that {@code boxes} is a {@code [n, 4]} matrix; {@code what} names it in the error message. */
    public static void requireBoxes(INDArray boxes, String what) {
        if (boxes == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        if (boxes.rank() != 2 || boxes.size(1) != 4) {
            throw new IllegalArgumentException(what + " must have shape [n, 4], got " + java.util.Arrays.toString(boxes.shape()));
        }
    }

    /** Areas {@code (x2 − x1)·(y2 − y1)} of {@code [n, 4]} boxes as {@code [n]}; degenerate boxes may give 0 or negatives. */
    public static INDArray area(INDArray boxes) {
        requireBoxes(boxes, "boxes");
        INDArray w = boxes.getColumn(2).sub(boxes.getColumn(0));
        INDArray h = boxes.getColumn(3).sub(boxes.getColumn(1));
        return w.muli(h);
    }

    /**
     * IoU matrix {@code [G, A]} between {@code a [G, 4]} and {@code b [A, 4]} (torchvision {@code box_iou} order of
     * operations: inter / (area_a + area_b − inter)). Pairs whose union is not positive (two degenerate boxes) get 0
     * instead of NaN.
     */
    public static INDArray iou(INDArray a, INDArray b) {
        return pairMatrix(a, b, Boxes::iou);
    }

    /** Fills {@code out[i·B + j]} for flat boxes {@code a}, {@code b}. */
    private interface PairFill {
        void fill(double[] a, double[] b, double[] out);
    }

    /** The {@code [G, A]} matrix of a pairwise measure of {@code a [G, 4]} and {@code b [A, 4]}, in a's data type. */
    private static INDArray pairMatrix(INDArray a, INDArray b, PairFill measure) {
        double[] fa = toFlat(a, "boxes a");
        double[] fb = toFlat(b, "boxes b");
        double[] out = new double[fa.length / 4 * (fb.length / 4)];
        measure.fill(fa, fb, out);
        return Nd4j.create(out, new long[] {fa.length / 4, fb.length / 4}, DataType.DOUBLE).castTo(a.dataType());
    }

    /** Primitive IoU matrix: {@code out[i·B + j]} = IoU(a_i, b_j) for flat boxes {@code a}, {@code b}. */
    public static void iou(double[] a, double[] b, double[] out) {
        int na = a.length / 4;
        int nb = b.length / 4;
        if (out.length < na * nb) {
            throw new IllegalArgumentException("output length " + out.length + " < " + na + "·" + nb);
        }
        for (int i = 0; i < na; i++) {
            double x1 = a[4 * i], y1 = a[4 * i + 1], x2 = a[4 * i + 2], y2 = a[4 * i + 3];
            double areaA = (x2 - x1) * (y2 - y1);
            int row = i * nb;
            for (int j = 0; j < nb; j++) {
                out[row + j] = iouWithArea(x1, y1, x2, y2, areaA, b, j);
            }
        }
    }

    /** IoU of box {@code (x1, y1, x2, y2)} (area {@code areaA}) with box {@code j} of flat {@code b}. */
    static double iouWithArea(double x1, double y1, double x2, double y2, double areaA, double[] b, int j) {
        double bx1 = b[4 * j], by1 = b[4 * j + 1], bx2 = b[4 * j + 2], by2 = b[4 * j + 3];
        double inter = intersection(x1, y1, x2, y2, bx1, by1, bx2, by2);
        return inter > 0 ? iou(inter, areaA, (bx2 - bx1) * (by2 - by1)) : 0.0;
    }

    /**
     * Area of the intersection of boxes a and b, (x1, y1, x2, y2) each; 0 when they do not overlap. The one overlap
     * primitive behind IoU, IoF, the assigner and NMS: small and static, so the JIT inlines it into their hot loops
     * (it tests the width first, as most anchor/box pairs do not overlap horizontally).
     */
    public static double intersection(double ax1, double ay1, double ax2, double ay2,
                                      double bx1, double by1, double bx2, double by2) {
        double iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
        if (iw <= 0) {
            return 0.0;
        }
        double ih = Math.min(ay2, by2) - Math.max(ay1, by1);
        return ih <= 0 ? 0.0 : iw * ih;
    }

    /**
     * IoU from an intersection and the two areas, as torchvision's {@code box_iou}: inter / (area_a + area_b − inter);
     * 0 when that union is not positive (two degenerate boxes) or not a number.
     */
    public static double iou(double intersection, double areaA, double areaB) {
        double union = areaA + areaB - intersection;
        return union > 0 ? intersection / union : 0.0;
    }

    /**
     * Intersection over foreground {@code [G, A]}: intersection(a_i, b_j) / area(b_j), i.e. the fraction of each
     * {@code b} box covered by {@code a_i} (mmdetection {@code bbox_overlaps(b, a, mode='iof')} transposed). Used to
     * ignore anchors that lie inside crowd regions. A zero-area {@code b} box gets 0.
     */
    public static INDArray iof(INDArray a, INDArray b) {
        return pairMatrix(a, b, (fa, fb, out) -> {
            int n = fb.length / 4;
            for (int i = 0; i < fa.length / 4; i++) {
                for (int j = 0; j < n; j++) {
                    out[i * n + j] = iof(fa, i, fb, j);
                }
            }
        });
    }

    /** intersection(a_i, b_j) / area(b_j) on flat arrays; 0 for a non-positive area of b_j. */
    static double iof(double[] a, int i, double[] b, int j) {
        double bx1 = b[4 * j], by1 = b[4 * j + 1], bx2 = b[4 * j + 2], by2 = b[4 * j + 3];
        double areaB = (bx2 - bx1) * (by2 - by1);
        double inter = intersection(a[4 * i], a[4 * i + 1], a[4 * i + 2], a[4 * i + 3], bx1, by1, bx2, by2);
        return inter > 0 && areaB > 0 ? inter / areaB : 0.0;
    }

    /** Clips boxes to {@code [0, width] × [0, height]} (a new array). */
    public static INDArray clip(INDArray boxes, double height, double width) {
        requireBoxes(boxes, "boxes");
        INDArray out = boxes.dup();
        for (int c = 0; c < 4; c++) {
            double hi = (c % 2 == 0) ? width : height;
            INDArray col = out.getColumn(c);
            col.assign(org.nd4j.linalg.ops.transforms.Transforms.min(
                    org.nd4j.linalg.ops.transforms.Transforms.max(col, 0.0, true), hi, false));
        }
        return out;
    }

    /** COCO {@code [x, y, w, h]} → {@code (x1, y1, x2, y2)} (a new array). */
    public static INDArray xywhToXyxy(INDArray xywh) {
        return shiftFarCorner(xywh, "xywh boxes", true);
    }

    /** {@code (x1, y1, x2, y2)} → COCO {@code [x, y, w, h]} (a new array). */
    public static INDArray xyxyToXywh(INDArray xyxy) {
        return shiftFarCorner(xyxy, "xyxy boxes", false);
    }

    /** A copy of {@code boxes} with columns 2 and 3 plus (corners from sizes) or minus (sizes from corners) 0 and 1. */
    private static INDArray shiftFarCorner(INDArray boxes, String what, boolean add) {
        requireBoxes(boxes, what);
        INDArray out = boxes.dup();
        for (int c = 2; c < 4; c++) {
            INDArray near = boxes.getColumn(c - 2);
            if (add) {
                out.getColumn(c).addi(near);
            } else {
                out.getColumn(c).subi(near);
            }
        }
        return out;
    }

    /**
     * Horizontal flip inside an image of the given width: {@code x1' = W − x2}, {@code x2' = W − x1} (no "−1", since
     * width = x2 − x1 and pixel edges are continuous).
     */
    public static INDArray flipHorizontal(INDArray boxes, double imageWidth) {
        requireBoxes(boxes, "boxes");
        INDArray out = boxes.dup();
        out.getColumn(0).assign(boxes.getColumn(2).rsub(imageWidth));
        out.getColumn(2).assign(boxes.getColumn(0).rsub(imageWidth));
        return out;
    }

    /** Scales x coordinates by {@code scaleX} and y coordinates by {@code scaleY} (a new array). */
    public static INDArray rescale(INDArray boxes, double scaleX, double scaleY) {
        requireBoxes(boxes, "boxes");
        if (!(scaleX > 0) || !(scaleY > 0) || Double.isInfinite(scaleX) || Double.isInfinite(scaleY)) {
            throw new IllegalArgumentException("scale factors must be finite and > 0, got x=" + scaleX + ", y=" + scaleY);
        }
        INDArray out = boxes.dup();
        out.getColumn(0).muli(scaleX);
        out.getColumn(2).muli(scaleX);
        out.getColumn(1).muli(scaleY);
        out.getColumn(3).muli(scaleY);
        return out;
    }
}
