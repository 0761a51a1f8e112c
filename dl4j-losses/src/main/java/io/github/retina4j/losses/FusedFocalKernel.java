package io.github.retina4j.losses;

import static io.github.retina4j.losses.KernelBuffers.get;
import static io.github.retina4j.losses.KernelBuffers.put;

import java.lang.ref.Reference;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Single-pass, multi-threaded form of {@link FocalKernel} for the training hot path of
 * {@link SigmoidFocalLoss}, {@link EqualizedFocalLoss}, {@link EqualizationFocalLoss} and {@link IifFocalLoss} (DESIGN §8: focal/EFL
 * forward + backward on [2, 80, 120 000] should cost a few passes over memory). Hand-written over the arrays'
 * native buffers because ND4J has no fused focal-loss op: op-by-op it needs ~25 passes and as many temporaries.
 * Same formulas as {@link FocalKernel} (s = 1 − 2y, z = s·x, CE = softplus(z), σ(z)^γ_j = exp(γ_j·log σ(z))).
 *
 * <p>Two implementations of the same per-element formulas: float32 data goes through {@link VectorFocalKernel}
 * (the JDK's incubating Vector API, see there for the measurements) when {@link FocalVectorSupport} finds it usable;
 * otherwise (double data, a JVM started without {@code --add-modules jdk.incubator.vector}, fewer classes than
 * vector lanes) the scalar kernel below evaluates each element in double precision, with an accurate log1p, and
 * stores it in the input's type. Requires binary labels (one-hot / background rows), float or double data;
 * {@link FocalKernel} is the general fallback and {@code FusedFocalKernelTest} keeps the three equal.
 */
final class FusedFocalKernel {

    /** Below this e = e^{−|z|}, log1p(e) is taken from its series (relative error &lt; e³/4). */
    private static final double LOG1P_SERIES_BELOW = 1e-4;
    /**
     * The rows are cut into at most this many segments, fewer for small inputs (at least {@link #MIN_SEGMENT_ROWS}
     * rows each). The cut depends on the shape only, never on the thread count, and partial sums are combined in
     * segment order: results are the same whatever the number of threads or their timing.
     */
    static final int MAX_SEGMENTS = 64;
    static final int MIN_SEGMENT_ROWS = 128;

    private FusedFocalKernel() {
    }

    /**
     * Whether the fused path applies: float/double, same type for labels (x is already 2D), and each buffer
     * addressable by an int byte offset (java.nio views of native memory are limited to 2 GB).
     */
    static boolean applicable(INDArray y, INDArray x) {
        DataType dt = x.dataType();
        return (dt == DataType.FLOAT || dt == DataType.DOUBLE) && y.dataType() == dt
                && y.length() * dt.width() <= Integer.MAX_VALUE && x.length() * dt.width() <= Integer.MAX_VALUE;
    }

    /** What to evaluate: the focal term's parameters and the per-loss options around it. */
    static final class Spec {
        /** α of the focal term. */
        final double alpha;
        /** γ_j per class (length C). */
        final double[] gamma;
        /** Per-class weight (EFL's γ_j/γ_b), or null for 1. */
        final double[] weight;
        /**
         * EQL: T_λ(f_j) ∈ {0, 1} per class, or null for no equalization weight. The weight is
         * 1 − E(r)·T_λ(f_j)·(1 − y_j)·(1 − exempt_j) with E(r) = 1 for a row with a positive label.
         */
        final double[] tail;
        /** Labels carry [targets | LVIS exempt indicators], 2C columns. */
        final boolean exemptColumns;
        /** Z = max(1, rows with a used element) instead of max(1, N_pos). */
        final boolean usedRowsNormalizer;
        /** Collect Σ|∂S/∂x| per class over positive / negative elements (EFL statistics). */
        final boolean collectAbs;
        /**
         * Per-class logit scale w_j (IIF), or null for 1: the focal term is taken at w_j·x and its derivative
         * carries w_j once more (chain rule).
         */
        final double[] scale;

        Spec(double alpha, double[] gamma, double[] weight, double[] tail, boolean exemptColumns,
             boolean usedRowsNormalizer, boolean collectAbs) {
            this(alpha, gamma, weight, tail, exemptColumns, usedRowsNormalizer, collectAbs, null);
        }

        private Spec(double alpha, double[] gamma, double[] weight, double[] tail, boolean exemptColumns,
                     boolean usedRowsNormalizer, boolean collectAbs, double[] scale) {
            this.alpha = alpha;
            this.gamma = gamma;
            this.weight = weight;
            this.tail = tail;
            this.exemptColumns = exemptColumns;
            this.usedRowsNormalizer = usedRowsNormalizer;
            this.collectAbs = collectAbs;
            this.scale = scale;
        }

        /** IIF focal: FL(w_j·x_j) with per-class logit scale w_j, normalised by positive anchors. */
        static Spec scaledLogits(double alpha, double gamma, double[] scale) {
            return new Spec(alpha, uniform(gamma, scale.length), null, null, false, false, false, scale);
        }

        /** Focal / EFL: per-class γ and weight, normalised by positive anchors. */
        static Spec focal(double alpha, double[] gamma, double[] weight, boolean collectAbs) {
            return new Spec(alpha, gamma, weight, null, false, false, collectAbs);
        }

        /** γ_j = γ for all C classes. */
        static double[] uniform(double gamma, int c) {
            double[] g = new double[c];
            java.util.Arrays.fill(g, gamma);
            return g;
        }
    }

    /** Result: S, ∂S/∂x (if wanted) and the per-class Σ|∂S/∂x| over positive / negative elements. */
    static final class Result {
        double score;
        INDArray grad;
        double[] posAbsGrad;
        double[] negAbsGrad;
        /** Positive anchors N_pos of the batch (Z = max(1, N_pos)). */
        double positives;

        /**
         * A result without per-class statistics: S = (Σ of the segments' partial sums, in segment order) / Z, so that
         * the score does not depend on the thread count.
         */
        static Result summed(INDArray grad, double positives, double[] partialScores, double invZ) {
            Result res = new Result();
            res.grad = grad;
            res.positives = positives;
            double total = 0;
            for (double p : partialScores) {
                total += p;
            }
            res.score = total * invZ;
            return res;
        }
    }

    /** The operands as c-order arrays on native buffers, and their geometry. */
    static final class Operands {
        final INDArray x;
        final INDArray y;
        /** Mask in x's type, or null. */
        final INDArray m;
        final int rows;
        final int c;
        /**
         * Row length of x, of an element mask and of the gradient: C, or more when only the first C columns of the
         * pre-output are class logits (PISA's [R, C + 4]; the gradient's other columns are left to the caller).
         */
        final int xStride;
        /** Label columns per row: C, or 2C with LVIS exempt columns (or more, of which the first C are read). */
        final int labelStride;
        /** Mask [R, 1] (per anchor) rather than [R, C]. */
        final boolean rowMask;

        Operands(INDArray labels, INDArray logits, INDArray mask) {
            this(labels, logits, mask, logits.columns());
        }

        /** The class logits are the first {@code classes} columns of {@code logits}. */
        Operands(INDArray labels, INDArray logits, INDArray mask, long classes) {
            x = contiguous(logits);
            y = contiguous(labels);
            rows = Math.toIntExact(x.rows());
            c = Math.toIntExact(classes);
            xStride = Math.toIntExact(x.columns());
            labelStride = Math.toIntExact(y.columns());
            m = mask == null ? null : contiguous(mask.dataType() == x.dataType() ? mask : mask.castTo(x.dataType()));
            rowMask = m != null && m.columns() == 1 && xStride != 1;
        }

        /**
         * Keeps these operands and the caller's arrays reachable until this call. The parallel tasks read the arrays
         * through NIO views of their native memory, which do not keep the INDArrays alive: without the fences a
         * temporary (the contiguous copies, the cast mask) could be collected and its memory freed while the tasks
         * still read it (seen as a SIGSEGV in this kernel and as sporadic non-finite gradients during the demo's
         * training). Call it in a {@code finally} after the kernel.
         */
        void keepReachable(INDArray... callerArrays) {
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(x);
            Reference.reachabilityFence(y);
            Reference.reachabilityFence(m);
            Reference.reachabilityFence(callerArrays);
            for (INDArray a : callerArrays) {
                Reference.reachabilityFence(a);
            }
        }

        boolean isFloat() {
            return x.dataType() == DataType.FLOAT;
        }

        /** Number of segments and rows per segment (see {@link #MAX_SEGMENTS}). */
        int segments() {
            return Math.max(1, Math.min(MAX_SEGMENTS, rows / MIN_SEGMENT_ROWS));
        }

        int segmentStart(int k) {
            return (int) ((long) rows * k / segments());
        }
    }

    /**
     * {@code a} itself where the kernels can index it from the start of its buffer (c-order, no gaps, offset 0; a
     * reshape is a view by ND4J's count but qualifies, and is what the output layers pass), else a c-order copy.
     */
    private static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && a.offset() == 0 && a.elementWiseStride() == 1 ? a : a.dup('c');
    }

    /**
     * @param labels [R, C] or [R, 2C] (LVIS exempt columns, {@link Spec#exemptColumns})
     * @param logits [R, C]
     * @param mask   [R, 1], [R, C] or null
     * @param wantScore false: the gradient only (the vector kernel then leaves the score 0)
     */
    static Result compute(INDArray labels, INDArray logits, INDArray mask, Spec spec, boolean wantGrad, boolean wantScore) {
        return compute(labels, logits, mask, logits.columns(), spec, wantGrad, wantScore);
    }

    /**
     * The focal term of the first {@code classes} columns of {@code logits} (and of an element mask, which has
     * logits' columns); the gradient has logits' shape, its further columns uninitialised.
     */
    static Result compute(INDArray labels, INDArray logits, INDArray mask, long classes, Spec spec, boolean wantGrad,
                          boolean wantScore) {
        Operands o = new Operands(labels, logits, mask, classes);
        try {
            return FocalVectorSupport.usable(o) ? FocalVectorSupport.compute(o, spec, wantGrad, wantScore)
                    : scalar(o, spec, wantGrad);
        } finally {
            o.keepReachable(labels, logits, mask);
        }
    }

    /** The scalar kernel: every element in double precision (reference for the vector kernel, and the fallback). */
    static Result scalar(Operands o, Spec spec, boolean wantGrad) {
        final int rows = o.rows;
        final int c = o.c;
        final int ls = o.labelStride;
        final INDArray m = o.m;
        final boolean rowMask = o.rowMask;
        final boolean isFloat = o.isFloat();
        final KernelBuffers.Views views = KernelBuffers.Views.of(o);
        final FloatBuffer xf = views.xf();
        final FloatBuffer yf = views.yf();
        final FloatBuffer mf = views.mf();
        final DoubleBuffer xd = views.xd();
        final DoubleBuffer yd = views.yd();
        final DoubleBuffer md = views.md();
        final int segments = o.segments();
        final double[] gamma = spec.gamma;
        final double[] weight = spec.weight;
        final double[] tail = spec.tail;
        final double[] scale = spec.scale;
        final boolean collectAbs = spec.collectAbs;

        // pass 1: the normaliser's count — N_pos = rows with Σ_c m·y > 0, or rows with a used element
        double count = IntStream.range(0, segments).parallel().mapToDouble(k -> {
            int n = 0;
            for (int r = o.segmentStart(k), r1 = o.segmentStart(k + 1); r < r1; r++) {
                if (rowMask && get(mf, md, r) == 0) {
                    continue;
                }
                if (spec.usedRowsNormalizer && (m == null || rowMask)) {
                    n++;
                    continue;
                }
                for (int j = 0; j < c; j++) {
                    double em = m == null || rowMask ? 1 : get(mf, md, r * o.xStride + j);
                    if (em != 0 && (spec.usedRowsNormalizer || get(yf, yd, r * ls + j) > 0)) {
                        n++;
                        break;
                    }
                }
            }
            return n;
        }).sum();
        final double invZ = 1.0 / LossMath.normalizer(count);

        final INDArray grad = wantGrad ? Nd4j.createUninitialized(o.x.dataType(), o.x.shape(), 'c') : null;
        final FloatBuffer gf = wantGrad && isFloat ? grad.data().asNioFloat() : null;
        final DoubleBuffer gd = wantGrad && !isFloat ? grad.data().asNioDouble() : null;
        final double a1 = 2.0 * spec.alpha - 1.0;
        final double a0 = 1.0 - spec.alpha;

        // pass 2: loss, gradient and statistics, each element once
        double[][] partial = IntStream.range(0, segments).parallel().mapToObj(k -> {
            double[] acc = new double[1 + (collectAbs ? 2 * c : 0)];
            double sum = 0;
            for (int r = o.segmentStart(k), r1 = o.segmentStart(k + 1); r < r1; r++) {
                double rm = rowMask ? get(mf, md, r) : 1;
                int base = r * o.xStride;
                int yBase = r * ls;
                boolean foreground = false;                             // E(r) of EQL: any positive label
                if (tail != null) {
                    for (int j = 0; j < c && !foreground; j++) {
                        foreground = get(yf, yd, yBase + j) > 0;
                    }
                }
                for (int j = 0; j < c; j++) {
                    int i = base + j;
                    double mm = m == null ? 1 : rowMask ? rm : get(mf, md, i);
                    if (mm == 0) {
                        if (wantGrad) {
                            put(gf, gd, i, 0);
                        }
                        continue;
                    }
                    double yv = get(yf, yd, yBase + j);
                    double s = 1.0 - 2.0 * yv;
                    double sc = scale == null ? 1.0 : scale[j];
                    double z = s * (sc * get(xf, xd, i));
                    double e = Math.exp(-Math.abs(z));
                    double lp = e > LOG1P_SERIES_BELOW ? Math.log(1.0 + e) : e * (1.0 - e * (0.5 - e / 3.0));
                    double ce = Math.max(z, 0.0) + lp;                  // softplus(z)
                    double inv = 1.0 / (1.0 + e);
                    double q = z >= 0 ? inv : e * inv;                 // σ(z) = 1 − p_t
                    double pt = z >= 0 ? e * inv : inv;                // p_t = 1 − σ(z), without cancellation
                    double g = gamma[j];
                    // σ(z)^γ: plain products for the usual γ (Java's exp/log dominate this loop),
                    // else exp(γ·log σ(z)) with log σ(z) = −(relu(−z) + log1p(e^{−|z|}))
                    double qg = g == 2.0 ? q * q : g == 0.0 ? 1.0 : g == 1.0 ? q
                            : Math.exp(-g * (Math.max(-z, 0.0) + lp));
                    double w = weight == null ? 1.0 : weight[j];
                    if (foreground && tail[j] != 0) {
                        double ex = spec.exemptColumns ? get(yf, yd, yBase + c + j) : 0.0;
                        w *= 1.0 - tail[j] * (1.0 - yv) * (1.0 - ex);
                    }
                    double common = mm * (a0 + yv * a1) * qg * w;
                    sum += common * ce;
                    if (wantGrad) {
                        double gv = common * s * (g * pt * ce + q) * sc * invZ;
                        put(gf, gd, i, gv);
                        if (collectAbs) {
                            double av = Math.abs(isFloat ? (float) gv : gv);
                            acc[1 + (yv > 0 ? j : c + j)] += av;
                        }
                    }
                }
            }
            acc[0] = sum;
            return acc;
        }).toArray(double[][]::new);

        Result res = new Result();
        res.grad = grad;
        res.positives = count;
        if (collectAbs) {
            res.posAbsGrad = new double[c];
            res.negAbsGrad = new double[c];
        }
        double total = 0;
        for (double[] p : partial) {        // fixed segment order: deterministic sums
            total += p[0];
            if (collectAbs) {
                for (int j = 0; j < c; j++) {
                    res.posAbsGrad[j] += p[1 + j];
                    res.negAbsGrad[j] += p[1 + c + j];
                }
            }
        }
        res.score = total * invZ;
        Reference.reachabilityFence(grad);
        return res;
    }
}
