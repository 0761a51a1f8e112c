package io.github.retina4j.losses;

import static io.github.retina4j.losses.KernelBuffers.get;
import static io.github.retina4j.losses.KernelBuffers.put;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * Single-pass, multi-threaded score and gradient of {@link GumbelLoss} (DESIGN §8: a few passes over memory), the
 * counterpart of {@link FusedFocalKernel}: the same operands, segments and fixed segment order (results independent of
 * the thread count), nothing allocated per call but the gradient. Float data goes through {@link VectorGumbelKernel}
 * when {@link FocalVectorSupport} finds the Vector API usable and the clamp keeps every positive's loss e^{−x} in the
 * float range; otherwise the scalar kernel below evaluates each element with {@link GumbelLoss}'s double formulas and
 * stores it in the input's type.
 */
final class FusedGumbelKernel {

    private FusedGumbelKernel() {
    }

    /**
     * Lowest clamp bound for the float kernel: a positive's loss e^{−x} stays below e^{80} ≈ 5.5e34, in the float range
     * (unclamped or clamped lower, the scalar kernel evaluates it in double, as {@link GumbelLoss} documents).
     */
    static final double FLOAT_CLAMP_MIN = -80.0;

    /** The loss's clamp: logits outside [min, max] are moved to the bound and get no gradient. */
    record Clamp(boolean on, double min, double max) {
    }

    /** Whether every loss term stays in the float range, which the vector kernel needs. */
    static boolean floatRange(Clamp clamp) {
        return clamp.on() && clamp.min() >= FLOAT_CLAMP_MIN;
    }

    /**
     * @param labels [R, C] (any values; the normaliser counts rows with Σ_c m·y &gt; 0)
     * @param logits [R, C]
     * @param mask   [R, 1], [R, C] or null
     */
    static FusedFocalKernel.Result compute(INDArray labels, INDArray logits, INDArray mask, Clamp clamp,
                                           boolean wantGrad) {
        FusedFocalKernel.Operands o = new FusedFocalKernel.Operands(labels, logits, mask);
        try {
            return FocalVectorSupport.usable(o) && floatRange(clamp)
                    ? FocalVectorSupport.computeGumbel(o, clamp, wantGrad) : scalar(o, clamp, wantGrad);
        } finally {
            o.keepReachable(labels, logits, mask);
        }
    }

    /** Every element in double precision, {@link GumbelLoss}'s formulas (the reference of the vector kernel). */
    static FusedFocalKernel.Result scalar(FusedFocalKernel.Operands o, Clamp clamp, boolean wantGrad) {
        final int c = o.c;
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

        // pass 1: N_pos = rows with Σ_c m·y > 0
        double count = IntStream.range(0, segments).parallel().mapToDouble(k -> {
            int n = 0;
            for (int r = o.segmentStart(k), r1 = o.segmentStart(k + 1); r < r1; r++) {
                double rm = rowMask ? get(mf, md, r) : 1;
                double sum = 0;
                for (int j = 0; j < c; j++) {
                    sum += get(yf, yd, r * c + j) * (m == null || rowMask ? 1 : get(mf, md, r * c + j));
                }
                n += sum * rm > 0 ? 1 : 0;
            }
            return n;
        }).sum();
        final double invZ = 1.0 / LossMath.normalizer(count);

        final INDArray grad = wantGrad ? Nd4j.createUninitialized(o.x.dataType(), o.x.shape(), 'c') : null;
        final FloatBuffer gf = wantGrad && isFloat ? grad.data().asNioFloat() : null;
        final DoubleBuffer gd = wantGrad && !isFloat ? grad.data().asNioDouble() : null;

        // pass 2: loss and gradient, each element once
        double[] partial = IntStream.range(0, segments).parallel().mapToDouble(k -> {
            double sum = 0;
            for (int r = o.segmentStart(k), r1 = o.segmentStart(k + 1); r < r1; r++) {
                double rm = rowMask ? get(mf, md, r) : 1;
                for (int j = 0; j < c; j++) {
                    int i = r * c + j;
                    double mm = m == null ? 1 : rowMask ? rm : get(mf, md, i);
                    if (mm == 0) {
                        if (wantGrad) {
                            put(gf, gd, i, 0);
                        }
                        continue;
                    }
                    double v = get(xf, xd, i);
                    boolean inside = true;
                    if (clamp.on() && (v < clamp.min() || v > clamp.max())) {
                        v = v < clamp.min() ? clamp.min() : clamp.max();
                        inside = false;
                    }
                    double u = Math.exp(-v);
                    double em = -Math.expm1(-u);                       // 1 − p
                    double yv = get(yf, yd, i);
                    sum += mm * (yv * u + (1 - yv) * -Math.log(em));
                    if (wantGrad) {
                        double dNeg = u * Math.exp(-u) / em;
                        put(gf, gd, i, inside ? mm * (-yv * u + (1 - yv) * dNeg) * invZ : 0.0);
                    }
                }
            }
            return sum;
        }).toArray();

        FusedFocalKernel.Result res = FusedFocalKernel.Result.summed(grad, count, partial, invZ);
        Reference.reachabilityFence(grad);
        return res;
    }
}
