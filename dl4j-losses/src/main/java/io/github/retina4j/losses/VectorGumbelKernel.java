package io.github.retina4j.losses;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * The float32 kernel of {@link FusedGumbelKernel} on the incubating Vector API, laid out as {@link VectorFocalKernel}
 * (native buffers, segments on the common pool, the overlapping last vector of a row). Only
 * {@link FocalVectorSupport} refers to this class.
 *
 * <p>With u = e^{−x} and t = e^{−u}, −log(1 − p) = −log(−expm1(−u)) and its derivative u·t/(−expm1(−u)) take two
 * SVML {@code EXP} and one {@code LOG} per element (the API's {@code EXPM1} and {@code LOG1P} are not intrinsics in
 * JDK 17, see {@link VectorFocalKernel}):
 * <ul>
 *   <li>u &lt; ½: −expm1(−u) = u·P(u), P(u) = Σ_k (−u)^k/(k + 1)! to k = 8 (truncation &lt; 6e-10), so
 *       −log(1 − p) = x − log P(u) (no underflow of u when x is large) and the derivative is t/P(u);</li>
 *   <li>u ≥ ½: 1 − t = w ≥ 0.39 is accurate, −log(1 − p) = −log1p(−t) = −(log w + (−t − (w − 1))/w) (the correction
 *       of {@link VectorFocalKernel}'s log1p) and the derivative u·t/w.</li>
 * </ul>
 */
final class VectorGumbelKernel {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /**
     * Above this u a negative's loss e^{−u}·(1 + …) and gradient u·e^{−u}/(1 − e^{−u}) (below 6e-25) are taken as 0,
     * and e^{−u} is not evaluated there: subnormal floats cost ~100× a normal operation on x86 (see
     * {@link VectorFocalKernel}). Only a clamp below the default −4 (u = e^4 ≈ 55) reaches it.
     */
    private static final float FLUSH_U = 60f;
    /** Below this u the series branch. */
    private static final float SERIES_BELOW = 0.5f;
    /** (−1)^k/(k + 1)!, k = 0 … 8. */
    private static final float[] P = {1f, -1f / 2, 1f / 6, -1f / 24, 1f / 120, -1f / 720, 1f / 5040, -1f / 40320,
            1f / 362880};

    private VectorGumbelKernel() {
    }

    static FusedFocalKernel.Result compute(FusedFocalKernel.Operands o, FusedGumbelKernel.Clamp clamp, boolean wantGrad) {
        int segments = o.segments();
        ByteBuffer xb = o.x.data().asNio();
        ByteBuffer yb = o.y.data().asNio();
        ByteBuffer mb = o.m == null ? null : o.m.data().asNio();
        INDArray grad = wantGrad ? Nd4j.createUninitialized(o.x.dataType(), o.x.shape(), 'c') : null;
        ByteBuffer gb = wantGrad ? grad.data().asNio() : null;
        int rem = o.c % LANES;
        VectorMask<Float> lastTake = rem == 0 ? F.maskAll(true) : F.indexInRange(rem - LANES, LANES);

        long[] counts = IntStream.range(0, segments).parallel()
                .mapToLong(k -> count(o, yb, mb, lastTake, k)).toArray();
        double count = 0;
        for (long n : counts) {
            count += n;
        }
        double invZ = 1.0 / LossMath.normalizer(count);
        double[] partial = IntStream.range(0, segments).parallel()
                .mapToDouble(k -> run(o, clamp, xb, yb, mb, gb, lastTake, (float) invZ, k)).toArray();

        FusedFocalKernel.Result res = FusedFocalKernel.Result.summed(grad, count, partial, invZ);
        Reference.reachabilityFence(grad);
        return res;
    }

    /** Rows of segment k with Σ_c m·y &gt; 0. */
    private static long count(FusedFocalKernel.Operands o, ByteBuffer yb, ByteBuffer mb, VectorMask<Float> lastTake,
                              int k) {
        int c = o.c;
        boolean elementMask = mb != null && !o.rowMask;
        long n = 0;
        for (int r = o.segmentStart(k), r1 = o.segmentStart(k + 1); r < r1; r++) {
            if (mb != null && o.rowMask && mb.getFloat(4 * r) == 0f) {
                continue;
            }
            int off = 4 * r * c;
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0; ; j += LANES) {
                int jj = Math.min(j, c - LANES);
                boolean last = jj == c - LANES;
                FloatVector y = FloatVector.fromByteBuffer(F, yb, off + 4 * jj, ORDER);
                if (elementMask) {
                    y = y.mul(FloatVector.fromByteBuffer(F, mb, off + 4 * jj, ORDER));
                }
                sum = sum.add(y, last ? lastTake : F.maskAll(true));
                if (last) {
                    break;
                }
            }
            float s = sum.reduceLanes(VectorOperators.ADD);
            if (mb != null && o.rowMask) {
                s *= mb.getFloat(4 * r);
            }
            n += s > 0f ? 1 : 0;
        }
        return n;
    }

    /** Loss and gradient of the rows of segment k; returns their un-normalised loss sum. */
    private static double run(FusedFocalKernel.Operands o, FusedGumbelKernel.Clamp clamp, ByteBuffer xb, ByteBuffer yb,
                              ByteBuffer mb, ByteBuffer gb, VectorMask<Float> lastTake, float iz, int k) {
        final int c = o.c;
        final boolean rowMask = mb != null && o.rowMask;
        final boolean elementMask = mb != null && !o.rowMask;
        final boolean wantGrad = gb != null;
        final float lo = (float) clamp.min();
        final float hi = (float) clamp.max();
        final VectorMask<Float> all = F.maskAll(true);
        final FloatVector one = FloatVector.broadcast(F, 1f);
        double score = 0;
        for (int r = o.segmentStart(k), r1 = o.segmentStart(k + 1); r < r1; r++) {
            final int off = 4 * r * c;
            float rm = 1f;
            if (rowMask) {
                rm = mb.getFloat(4 * r);
                if (rm == 0f) {
                    if (wantGrad) {
                        VectorFocalKernel.zeroRow(gb, off, c);
                    }
                    continue;
                }
            }
            FloatVector rowLoss = FloatVector.zero(F);
            for (int j = 0; ; j += LANES) {
                final int jj = Math.min(j, c - LANES);
                final boolean last = jj == c - LANES;
                FloatVector x = FloatVector.fromByteBuffer(F, xb, off + 4 * jj, ORDER);
                FloatVector y = FloatVector.fromByteBuffer(F, yb, off + 4 * jj, ORDER);
                // outside [lo, hi]: moved to the bound, no gradient (NaN stays inside, as in GumbelLoss)
                VectorMask<Float> outside = x.compare(VectorOperators.LT, lo).or(x.compare(VectorOperators.GT, hi));
                FloatVector v = x.max(lo).min(hi);
                FloatVector u = v.neg().lanewise(VectorOperators.EXP);
                FloatVector t = u.min(FLUSH_U).neg().lanewise(VectorOperators.EXP)
                        .blend(0f, u.compare(VectorOperators.GT, FLUSH_U));
                VectorMask<Float> small = u.compare(VectorOperators.LT, SERIES_BELOW);
                FloatVector series = FloatVector.broadcast(F, P[P.length - 1]);
                for (int i = P.length - 2; i >= 0; i--) {
                    series = series.fma(u, FloatVector.broadcast(F, P[i]));
                }
                FloatVector w = one.sub(t);
                FloatVector den = w.blend(series, small);
                FloatVector inv = one.div(den);
                // large u: log1p(−t) = log(w) + (−t − (w − 1))/w; small u: −log(1 − p) = v − log P(u)
                FloatVector corr = t.neg().sub(w.sub(1f)).mul(inv).blend(0f, small);
                FloatVector base = FloatVector.zero(F).blend(v, small);
                FloatVector negLoss = base.sub(den.lanewise(VectorOperators.LOG)).sub(corr);   // −log(1 − p)
                FloatVector loss = y.mul(u.sub(negLoss)).add(negLoss);                          // y·u + (1 − y)·…
                FloatVector mv = null;
                VectorMask<Float> used = all;
                if (elementMask) {
                    mv = FloatVector.fromByteBuffer(F, mb, off + 4 * jj, ORDER);
                    used = mv.compare(VectorOperators.NE, 0f);
                    loss = loss.mul(mv);
                }
                VectorMask<Float> take = last ? lastTake : all;
                rowLoss = rowLoss.add(loss, elementMask ? take.and(used) : take);
                if (wantGrad) {
                    FloatVector dNeg = t.mul(inv).mul(u.blend(1f, small));                     // u·t/(1 − e^{−u})
                    FloatVector g = y.mul(u.neg().sub(dNeg)).add(dNeg).mul(rm * iz);          // −y·u + (1 − y)·dNeg
                    if (elementMask) {
                        g = g.mul(mv).blend(0f, used.not());
                    }
                    if (clamp.on()) {
                        g = g.blend(0f, outside);
                    }
                    g.intoByteBuffer(gb, off + 4 * jj, ORDER);
                }
                if (last) {
                    break;
                }
            }
            score += rm * rowLoss.reduceLanes(VectorOperators.ADD);
        }
        return score;
    }
}
