package io.github.retina4j.data.boxes;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Box coder for the (dx, dy, dw, dh) parameterisation of R-CNN / RetinaNet (Girshick et al., Fast R-CNN eq. in §2.3;
 * RetinaNet §4 uses the same), with mmdetection-style normalisation by {@code means}/{@code stds}:
 *
 * <pre>
 *   w = x2 − x1, cx = x1 + 0.5·w  (same for h, cy; anchors a, ground truth g)
 *   dx = (g_cx − a_cx)/a_w,  dy = (g_cy − a_cy)/a_h,  dw = ln(g_w/a_w),  dh = ln(g_h/a_h)
 *   target = (d − mean)/std
 * </pre>
 *
 * Decoding inverts this, clamps dw/dh at {@link #DEFAULT_CLIP} = ln(1000/16) as chosen by {@link DeltaClamp}, and does
 * not clip boxes to the image. torchvision's {@code BoxCoder(weights)} equals means 0, stds {@code 1/weights}
 * ({@link #torchvision(double...)}). Immutable and thread-safe.
 */
public final class BoxCoder {

    /** Upper bound of dw, dh before exp: ln(1000/16) (torchvision / mmdetection {@code bbox_xform_clip}). */
    public static final double DEFAULT_CLIP = Math.log(1000.0 / 16.0);

    private final double[] means;
    private final double[] stds;
    private final double clip;
    private final DeltaClamp clamp;

    /**
     * @param means per-coordinate means of (dx, dy, dw, dh) subtracted when encoding
     * @param stds  per-coordinate standard deviations (> 0) divided by when encoding
     * @param clip  the clamp bound for dw, dh (ln(1000/16) by default)
     * @param clamp which side(s) to clamp
     */
    public BoxCoder(double[] means, double[] stds, double clip, DeltaClamp clamp) {
        if (means == null || means.length != 4 || stds == null || stds.length != 4) {
            throw new IllegalArgumentException("means and stds must have 4 entries, got " + Arrays.toString(means) + " / " + Arrays.toString(stds));
        }
        for (double s : stds) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("stds must be finite and > 0, got " + Arrays.toString(stds));
            }
        }
        if (!(clip > 0)) {
            throw new IllegalArgumentException("clip must be > 0, got " + clip);
        }
        this.means = means.clone();
        this.stds = stds.clone();
        this.clip = clip;
        this.clamp = clamp;
    }

    /** torchvision RetinaNet's coder: weights (1, 1, 1, 1), clamp only from above. */
    public static BoxCoder torchvisionDefault() {
        return torchvision(1, 1, 1, 1);
    }

    /** torchvision {@code BoxCoder(weights)}: means 0, stds 1/weights, {@link DeltaClamp#UPPER_ONLY}. */
    public static BoxCoder torchvision(double... weights) {
        if (weights.length != 4) {
            throw new IllegalArgumentException("weights must have 4 entries, got " + weights.length);
        }
        double[] stds = new double[4];
        for (int i = 0; i < 4; i++) {
            stds[i] = 1.0 / weights[i];
        }
        return new BoxCoder(new double[4], stds, DEFAULT_CLIP, DeltaClamp.UPPER_ONLY);
    }

    /** mmdetection RetinaNet's {@code DeltaXYWHBBoxCoder}: means 0, stds 1, symmetric clamp. */
    public static BoxCoder mmdetectionDefault() {
        return new BoxCoder(new double[4], new double[] {1, 1, 1, 1}, DEFAULT_CLIP, DeltaClamp.SYMMETRIC);
    }

    public double[] means() {
        return means.clone();
    }

    public double[] stds() {
        return stds.clone();
    }

    public double clip() {
        return clip;
    }

    public DeltaClamp clamp() {
        return clamp;
    }

    /**
     * Encodes ground-truth boxes against anchors row by row.
     *
     * @param gt      {@code [n, 4]} ground-truth boxes
     * @param anchors {@code [n, 4]} anchors
     * @return {@code [n, 4]} deltas (dx, dy, dw, dh) in the type of {@code gt}
     */
    public INDArray encode(INDArray gt, INDArray anchors) {
        double[] g = Boxes.toFlat(gt, "gt boxes");
        double[] a = anchorsMatching(g, "gt boxes", anchors);
        double[] out = new double[g.length];
        for (int i = 0; i < g.length / 4; i++) {
            encode(g, i, a, i, out, i * 4, 1);
        }
        return Boxes.fromFlat(out, gt.dataType());
    }

    /** {@code anchors} as a flat array, checked to have as many rows as {@code rows} (called {@code what} in the message). */
    private static double[] anchorsMatching(double[] rows, String what, INDArray anchors) {
        double[] a = Boxes.toFlat(anchors, "anchors");
        if (rows.length != a.length) {
            throw new IllegalArgumentException(what + " " + rows.length / 4 + " and anchors " + a.length / 4 + " differ in count");
        }
        return a;
    }

    /**
     * Primitive encode of gt box {@code gi} against anchor {@code ai} (flat arrays), writing dx, dy, dw, dh at
     * {@code out[offset + k·stride]}, k = 0..3.
     */
    public void encode(double[] g, int gi, double[] a, int ai, double[] out, int offset, int stride) {
        encodeInto(g, gi, a, ai, out, null, offset, stride);
    }

    /** Float variant of {@link #encode(double[], int, double[], int, double[], int, int)} for dense float targets. */
    public void encode(double[] g, int gi, double[] a, int ai, float[] out, int offset, int stride) {
        encodeInto(g, gi, a, ai, null, out, offset, stride);
    }

    /**
     * The one encode implementation (DESIGN §4.8 box coding), computed in double; writes to whichever of
     * {@code outD}/{@code outF} is non-null (the float one gets each delta rounded once). Two output
     * parameters rather than a scratch array so the hot target-encoding loop allocates nothing.
     */
    private void encodeInto(double[] g, int gi, double[] a, int ai, double[] outD, float[] outF, int offset, int stride) {
        double aw = a[4 * ai + 2] - a[4 * ai];
        double ah = a[4 * ai + 3] - a[4 * ai + 1];
        double acx = a[4 * ai] + 0.5 * aw;
        double acy = a[4 * ai + 1] + 0.5 * ah;
        double gw = g[4 * gi + 2] - g[4 * gi];
        double gh = g[4 * gi + 3] - g[4 * gi + 1];
        double gcx = g[4 * gi] + 0.5 * gw;
        double gcy = g[4 * gi + 1] + 0.5 * gh;
        double dx = ((gcx - acx) / aw - means[0]) / stds[0];
        double dy = ((gcy - acy) / ah - means[1]) / stds[1];
        double dw = (Math.log(gw / aw) - means[2]) / stds[2];
        double dh = (Math.log(gh / ah) - means[3]) / stds[3];
        if (outF != null) {
            outF[offset] = (float) dx;
            outF[offset + stride] = (float) dy;
            outF[offset + 2 * stride] = (float) dw;
            outF[offset + 3 * stride] = (float) dh;
        } else {
            outD[offset] = dx;
            outD[offset + stride] = dy;
            outD[offset + 2 * stride] = dw;
            outD[offset + 3 * stride] = dh;
        }
    }

    /**
     * Decodes deltas row by row.
     *
     * @param deltas  {@code [n, 4]} (dx, dy, dw, dh)
     * @param anchors {@code [n, 4]} anchors
     * @return {@code [n, 4]} boxes (x1, y1, x2, y2), not clipped, in the type of {@code deltas}
     */
    public INDArray decode(INDArray deltas, INDArray anchors) {
        double[] d = Boxes.toFlat(deltas, "deltas");
        double[] a = anchorsMatching(d, "deltas", anchors);
        double[] out = new double[d.length];
        for (int i = 0; i < d.length / 4; i++) {
            decode(d[4 * i], d[4 * i + 1], d[4 * i + 2], d[4 * i + 3], a, i, out, 4 * i);
        }
        return Boxes.fromFlat(out, deltas.dataType());
    }

    /**
     * Decodes dense predictions {@code [N, 4, A]} against anchors {@code [A, 4]} into boxes {@code [N, A, 4]}.
     */
    public INDArray decodeDense(INDArray deltas, INDArray anchors) {
        if (deltas.rank() != 3 || deltas.size(1) != 4) {
            throw new IllegalArgumentException("dense deltas must be [N, 4, A], got " + Arrays.toString(deltas.shape()));
        }
        double[] a = Boxes.toFlat(anchors, "anchors");
        int n = (int) deltas.size(0);
        int na = (int) deltas.size(2);
        if (a.length / 4 != na) {
            throw new IllegalArgumentException("deltas have " + na + " anchors but anchors array has " + a.length / 4);
        }
        double[] d = Boxes.flatDoubles(deltas);
        double[] out = new double[n * na * 4];
        for (int img = 0; img < n; img++) {
            int base = img * 4 * na;
            for (int j = 0; j < na; j++) {
                decode(d[base + j], d[base + na + j], d[base + 2 * na + j], d[base + 3 * na + j], a, j, out, (img * na + j) * 4);
            }
        }
        return Nd4j.create(out, new long[] {n, na, 4}, DataType.DOUBLE).castTo(deltas.dataType());
    }

    /** Primitive decode of one delta against anchor {@code ai} of flat {@code a}, writing x1, y1, x2, y2 at {@code out[o..o+3]}. */
    public void decode(double dx, double dy, double dw, double dh, double[] a, int ai, double[] out, int o) {
        dx = dx * stds[0] + means[0];
        dy = dy * stds[1] + means[1];
        dw = clampDelta(dw * stds[2] + means[2]);
        dh = clampDelta(dh * stds[3] + means[3]);
        double aw = a[4 * ai + 2] - a[4 * ai];
        double ah = a[4 * ai + 3] - a[4 * ai + 1];
        double acx = a[4 * ai] + 0.5 * aw;
        double acy = a[4 * ai + 1] + 0.5 * ah;
        double cx = dx * aw + acx;
        double cy = dy * ah + acy;
        double w = Math.exp(dw) * aw;
        double h = Math.exp(dh) * ah;
        out[o] = cx - 0.5 * w;
        out[o + 1] = cy - 0.5 * h;
        out[o + 2] = cx + 0.5 * w;
        out[o + 3] = cy + 0.5 * h;
    }

    private double clampDelta(double d) {
        switch (clamp) {
            case UPPER_ONLY:
                return Math.min(d, clip);
            case SYMMETRIC:
                return Math.max(-clip, Math.min(d, clip));
            default:
                return d;
        }
    }

    @Override
    public String toString() {
        return "BoxCoder{means=" + Arrays.toString(means) + ", stds=" + Arrays.toString(stds) + ", clip=" + clip + ", clamp=" + clamp + '}';
    }
}
