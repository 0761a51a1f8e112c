package io.github.retina4j.losses;

import java.lang.ref.Reference;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Single-pass, multi-threaded form of {@link FocalKernel} for the training hot path of
 * {@link SigmoidFocalLoss} and {@link EqualizedFocalLoss} (SPEC §8: focal/EFL forward + backward on
 * [2, 80, 120 000] should cost a few passes over memory). Hand-written over the arrays' native buffers
 * because ND4J has no fused focal-loss op: op-by-op it needs ~25 passes and as many temporaries.
 * Same formulas as {@link FocalKernel} (s = 1 − 2y, z = s·x, CE = softplus(z), σ(z)^γ_j = exp(γ_j·log σ(z)));
 * each element is evaluated in double precision, with an accurate log1p, and stored in the input's type.
 * Requires binary labels (one-hot / background rows), float or double data; {@link FocalKernel} is the
 * general fallback and {@code FocalKernelTest} keeps the two equal.
 */
final class FusedFocalKernel {

    /** Below this e = e^{−|z|}, log1p(e) is taken from its series (relative error &lt; e³/4). */
    private static final double LOG1P_SERIES_BELOW = 1e-4;
    /** Rows per parallel chunk (a few hundred KB of data per task). */
    private static final int CHUNK_ROWS = 4096;

    private FusedFocalKernel() {
    }

    /** Whether the fused path applies: float/double, same type for labels (x is already 2D). */
    static boolean applicable(INDArray y, INDArray x) {
        DataType dt = x.dataType();
        return (dt == DataType.FLOAT || dt == DataType.DOUBLE) && y.dataType() == dt;
    }

    /** Result: S, ∂S/∂x (if wanted) and the per-class Σ|∂S/∂x| over positive / negative elements. */
    static final class Result {
        double score;
        INDArray grad;
        double[] posAbsGrad;
        double[] negAbsGrad;
        /** Positive anchors N_pos of the batch (Z = max(1, N_pos)). */
        double positives;
    }

    private static INDArray contiguous(INDArray a) {
        return a.isView() || a.ordering() != 'c' ? a.dup('c') : a;
    }

    /**
     * @param gamma     per-class γ_j (length C)
     * @param weight    per-class weight (length C), or null for 1
     * @param collectAbs whether to collect Σ|grad| per class and label (EFL statistics)
     */
    static Result compute(INDArray labels, INDArray logits, INDArray mask, double alpha, double[] gamma, double[] weight,
                          boolean wantGrad, boolean collectAbs) {
        final INDArray x = contiguous(logits);
        final INDArray y = contiguous(labels);
        final int rows = Math.toIntExact(x.rows());
        final int c = Math.toIntExact(x.columns());
        final INDArray m = mask == null ? null : contiguous(mask.dataType() == x.dataType() ? mask : mask.castTo(x.dataType()));
        final boolean rowMask = m != null && m.columns() == 1 && c != 1;
        final boolean isFloat = x.dataType() == DataType.FLOAT;
        final FloatBuffer xf = isFloat ? x.data().asNioFloat() : null;
        final FloatBuffer yf = isFloat ? y.data().asNioFloat() : null;
        final FloatBuffer mf = isFloat && m != null ? m.data().asNioFloat() : null;
        final DoubleBuffer xd = isFloat ? null : x.data().asNioDouble();
        final DoubleBuffer yd = isFloat ? null : y.data().asNioDouble();
        final DoubleBuffer md = !isFloat && m != null ? m.data().asNioDouble() : null;
        final int chunks = (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;

        // pass 1: N_pos = rows with Σ_c m·y > 0
        double nPos = IntStream.range(0, chunks).parallel().mapToDouble(k -> {
            int r0 = k * CHUNK_ROWS;
            int r1 = Math.min(rows, r0 + CHUNK_ROWS);
            int count = 0;
            for (int r = r0; r < r1; r++) {
                double rm = m == null ? 1 : rowMask ? get(mf, md, r) : 0;
                if (rm == 0 && rowMask) {
                    continue;
                }
                int base = r * c;
                for (int j = 0; j < c; j++) {
                    double em = m == null || rowMask ? 1 : get(mf, md, base + j);
                    if (em != 0 && get(yf, yd, base + j) > 0) {
                        count++;
                        break;
                    }
                }
            }
            return count;
        }).sum();
        final double invZ = 1.0 / LossMath.normalizer(nPos);

        final INDArray grad = wantGrad ? Nd4j.createUninitialized(x.dataType(), x.shape(), 'c') : null;
        final FloatBuffer gf = wantGrad && isFloat ? grad.data().asNioFloat() : null;
        final DoubleBuffer gd = wantGrad && !isFloat ? grad.data().asNioDouble() : null;
        final double a1 = 2.0 * alpha - 1.0;
        final double a0 = 1.0 - alpha;

        // pass 2: loss, gradient and statistics, each element once
        double[][] partial = IntStream.range(0, chunks).parallel().mapToObj(k -> {
            double[] acc = new double[1 + (collectAbs ? 2 * c : 0)];
            int r0 = k * CHUNK_ROWS;
            int r1 = Math.min(rows, r0 + CHUNK_ROWS);
            double sum = 0;
            for (int r = r0; r < r1; r++) {
                double rm = rowMask ? get(mf, md, r) : 1;
                int base = r * c;
                for (int j = 0; j < c; j++) {
                    int i = base + j;
                    double mm = m == null ? 1 : rowMask ? rm : get(mf, md, i);
                    if (mm == 0) {
                        if (wantGrad) {
                            put(gf, gd, i, 0);
                        }
                        continue;
                    }
                    double yv = get(yf, yd, i);
                    double s = 1.0 - 2.0 * yv;
                    double z = s * get(xf, xd, i);
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
                    double common = mm * (a0 + yv * a1) * qg * (weight == null ? 1.0 : weight[j]);
                    sum += common * ce;
                    if (wantGrad) {
                        double gv = common * s * (g * pt * ce + q) * invZ;
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
        res.positives = nPos;
        if (collectAbs) {
            res.posAbsGrad = new double[c];
            res.negAbsGrad = new double[c];
        }
        double total = 0;
        for (double[] p : partial) {        // fixed chunk order: deterministic sums
            total += p[0];
            if (collectAbs) {
                for (int j = 0; j < c; j++) {
                    res.posAbsGrad[j] += p[1 + j];
                    res.negAbsGrad[j] += p[1 + c + j];
                }
            }
        }
        res.score = total * invZ;
        // The parallel tasks read the arrays through NIO views of their native memory, which do not keep the
        // INDArrays alive: without these fences a temporary (the contiguous copies, the cast mask) could be
        // collected and its memory freed while the tasks still read it (seen as a SIGSEGV in this kernel and as
        // sporadic non-finite gradients during the demo's training).
        Reference.reachabilityFence(x);
        Reference.reachabilityFence(y);
        Reference.reachabilityFence(m);
        Reference.reachabilityFence(grad);
        Reference.reachabilityFence(logits);
        Reference.reachabilityFence(labels);
        Reference.reachabilityFence(mask);
        return res;
    }

    private static double get(FloatBuffer f, DoubleBuffer d, int i) {
        return f != null ? f.get(i) : d.get(i);
    }

    private static void put(FloatBuffer f, DoubleBuffer d, int i, double v) {
        if (f != null) {
            f.put(i, (float) v);
        } else {
            d.put(i, v);
        }
    }
}
