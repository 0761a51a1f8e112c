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
 * The float32 kernel of {@link FusedFocalKernel} on the JDK's incubating Vector API: the same formulas as the scalar
 * kernel, evaluated in float lanes with the API's {@code EXP}/{@code LOG}, which HotSpot compiles to Intel SVML
 * calls on x86. Only {@link FocalVectorSupport} refers to this class (it does not link without
 * {@code --add-modules jdk.incubator.vector}).
 *
 * <p>Why this kernel ({@code LossBenchmark}, score + gradient of the focal loss on [240 000, 80] float, 2 cores, one
 * run on a loaded machine): ND4J op by op ({@link FocalKernel}: ~25 passes over memory and as many temporaries)
 * 11.4 s, timed with EQL-focal's few extra ops; the scalar Java kernel, bound by {@code Math.exp}/{@code Math.log},
 * 3.9 s; this kernel 0.56 s, 2.3× three in-place adds of the same arrays (16-lane SVML exp/log cost under 1 ns per
 * element).
 * Loads and stores go straight to the arrays' native memory through {@code ByteBuffer} views (staging rows through
 * heap arrays measured no faster). Rows are split into segments on the common fork-join pool (both cores); nothing
 * is allocated per call beyond the gradient but O(C) heap arrays.
 */
final class VectorFocalKernel {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /**
     * An element whose loss and gradient, of the order of (γ + 1)·σ(z)^{γ+1}, fall below e^{−60} (≈ 9e-27 of a unit
     * logit's gradient) is taken as 0 (log σ(z) ≤ z: for γ = 2 every z &lt; −20), and e^{−|z|} is taken at
     * |z| ≤ {@link #EXP_FLOOR} (beyond, it only enters sums with terms ≥ 1, or such flushed elements). Otherwise
     * products of such tiny factors (and α, w, m, 1/Z) are subnormal floats, which x86 handles in microcode at ~100×
     * the cost of a normal operation. Measured: EFL, whose γ_j reach 10, ran 2.7× slower than focal until σ(z)^γ
     * below e^{−80} was flushed; IIF-focal, whose logits w_c·x_c reach |z| ≈ 100 with LVIS weights, still ran 3–4×
     * slower than focal until whole contributions below e^{−60} were.
     */
    private static final float FLUSH = 60f;
    private static final float EXP_FLOOR = 80f;

    private VectorFocalKernel() {
    }

    static FusedFocalKernel.Result compute(FusedFocalKernel.Operands o, FusedFocalKernel.Spec spec, boolean wantGrad,
                                           boolean wantScore) {
        Job job = new Job(o, spec, wantGrad, wantScore || !wantGrad);
        int segments = o.segments();
        double gradCount = 0;
        if (wantGrad) {
            // Z must be known before the first gradient is written: one read of the labels (and an element mask)
            long[] counts = IntStream.range(0, segments).parallel().mapToLong(job::count).toArray();
            for (long n : counts) {
                gradCount += n;
            }
            job.invZ = (float) (1.0 / LossMath.normalizer(gradCount));
        }
        IntStream.range(0, segments).parallel().forEach(job::run);

        FusedFocalKernel.Result res = new FusedFocalKernel.Result();
        res.grad = job.grad;
        double total = 0;
        double count = 0;
        for (int k = 0; k < segments; k++) {            // fixed segment order: deterministic sums
            total += job.segScore[k];
            count += job.segCount[k];
        }
        res.score = wantGrad ? total * job.invZ : total / LossMath.normalizer(count);
        res.positives = wantGrad ? gradCount : count;
        if (spec.collectAbs) {
            res.posAbsGrad = new double[o.c];
            res.negAbsGrad = new double[o.c];
            for (int k = 0; k < segments; k++) {
                for (int j = 0; j < o.c; j++) {
                    res.posAbsGrad[j] += job.segPos[k][j];
                    res.negAbsGrad[j] += job.segNeg[k][j];
                }
            }
        }
        Reference.reachabilityFence(job.grad);
        return res;
    }

    /** One call: operands as byte buffers, per-class parameters in padded float arrays, per-segment results. */
    private static final class Job {
        final FusedFocalKernel.Operands o;
        final FusedFocalKernel.Spec spec;
        final boolean wantGrad;
        final boolean wantScore;
        final ByteBuffer xb;
        final ByteBuffer yb;
        final ByteBuffer mb;
        final INDArray grad;
        final ByteBuffer gb;
        /** γ_j, weight_j (1 without) and T_j, padded to a whole number of vectors. */
        final float[] gamma;
        final float[] weight;
        final float[] tail;
        /** Per-class logit scale (1 without), and whether there is one. */
        final float[] scale;
        final boolean scaled;
        /** Every γ_j = 2: σ(z)² as a product (one exp fewer, and exact) instead of exp(2·log σ(z)). */
        final boolean gammaTwo;
        final VectorMask<Float> lastTake;
        float invZ;
        final double[] segScore;
        final double[] segCount;
        final double[][] segPos;
        final double[][] segNeg;

        Job(FusedFocalKernel.Operands o, FusedFocalKernel.Spec spec, boolean wantGrad, boolean wantScore) {
            this.o = o;
            this.spec = spec;
            this.wantGrad = wantGrad;
            this.wantScore = wantScore;
            xb = o.x.data().asNio();
            yb = o.y.data().asNio();
            mb = o.m == null ? null : o.m.data().asNio();
            grad = wantGrad ? Nd4j.createUninitialized(o.x.dataType(), o.x.shape(), 'c') : null;
            gb = wantGrad ? grad.data().asNio() : null;
            int padded = (o.c + LANES - 1) / LANES * LANES;
            gamma = pad(spec.gamma, padded, 0f);
            weight = pad(spec.weight, padded, 1f);
            tail = pad(spec.tail, padded, 0f);
            scale = pad(spec.scale, padded, 1f);
            scaled = spec.scale != null;
            boolean two = true;
            for (double g : spec.gamma) {
                two &= g == 2.0;
            }
            gammaTwo = two;
            // the row's last vector starts at C − LANES and overlaps the previous one when LANES does not divide C:
            // it recomputes (and stores) the same values there, and adds only its new lanes to the sums
            int rem = o.c % LANES;
            lastTake = rem == 0 ? F.maskAll(true) : F.indexInRange(rem - LANES, LANES);
            int segments = o.segments();
            segScore = new double[segments];
            segCount = new double[segments];
            segPos = spec.collectAbs ? new double[segments][o.c] : null;
            segNeg = spec.collectAbs ? new double[segments][o.c] : null;
        }

        private static float[] pad(double[] v, int padded, float fill) {
            float[] p = new float[padded];
            java.util.Arrays.fill(p, fill);
            if (v != null) {
                for (int j = 0; j < v.length; j++) {
                    p[j] = (float) v[j];
                }
            }
            return p;
        }

        /** Rows of segment k that count for Z. */
        long count(int k) {
            long n = 0;
            for (int r = o.segmentStart(k), r1 = o.segmentStart(k + 1); r < r1; r++) {
                n += counts(r) ? 1 : 0;
            }
            return n;
        }

        /** Whether row r counts for Z: a positive on a used element (N_pos), or any used element. */
        private boolean counts(int r) {
            int c = o.c;
            boolean used = spec.usedRowsNormalizer;
            if (mb != null && o.rowMask) {
                if (mb.getFloat(4 * r) == 0f) {
                    return false;
                }
                if (used) {
                    return true;
                }
            } else if (mb == null && used) {
                return true;
            }
            boolean elementMask = mb != null && !o.rowMask;
            int yo = 4 * r * o.labelStride;
            int xo = 4 * r * o.xStride;
            for (int j = 0; ; j += LANES) {
                int jj = Math.min(j, c - LANES);
                VectorMask<Float> hit;
                if (elementMask) {
                    hit = FloatVector.fromByteBuffer(F, mb, xo + 4 * jj, ORDER).compare(VectorOperators.NE, 0f);
                    if (!used) {
                        hit = hit.and(FloatVector.fromByteBuffer(F, yb, yo + 4 * jj, ORDER).compare(VectorOperators.GT, 0f));
                    }
                } else {
                    hit = FloatVector.fromByteBuffer(F, yb, yo + 4 * jj, ORDER).compare(VectorOperators.GT, 0f);
                }
                if (hit.anyTrue()) {
                    return true;
                }
                if (jj == c - LANES) {
                    return false;
                }
            }
        }

        /** Whether row r has a positive label (EQL's E(r), mask not considered). */
        private boolean foreground(int r) {
            int c = o.c;
            int yo = 4 * r * o.labelStride;
            for (int j = 0; ; j += LANES) {
                int jj = Math.min(j, c - LANES);
                if (FloatVector.fromByteBuffer(F, yb, yo + 4 * jj, ORDER).compare(VectorOperators.GT, 0f).anyTrue()) {
                    return true;
                }
                if (jj == c - LANES) {
                    return false;
                }
            }
        }

        private static void flush(float[] acc, double[] into, int c) {
            for (int j = 0; j < c; j++) {
                into[j] += acc[j];
                acc[j] = 0f;
            }
        }

        /** Loss, gradient and statistics of the rows of segment k. */
        void run(int k) {
            final int c = o.c;
            final int r0 = o.segmentStart(k);
            final int r1 = o.segmentStart(k + 1);
            final boolean rowMask = mb != null && o.rowMask;
            final boolean elementMask = mb != null && !o.rowMask;
            final boolean eql = spec.tail != null;
            final boolean collect = spec.collectAbs && wantGrad;         // statistics of the gradient
            final float a1 = (float) (2.0 * spec.alpha - 1.0);
            final float a0 = (float) (1.0 - spec.alpha);
            final float iz = invZ;
            final int padded = gamma.length;
            // EQL weights of a foreground row: weight_j·(1 − T_j·(1 − y_j)·(1 − exempt_j)), filled per such row
            final float[] rowWeight = eql ? new float[padded] : null;
            // Σ|g| over negatives, in float for FLUSH_ROWS rows then added to the segment's double sums
            final float[] negAcc = collect ? new float[padded] : null;
            final double[] pos = collect ? segPos[k] : null;
            final double[] neg = collect ? segNeg[k] : null;
            final int flushRows = 32;
            final FloatVector one = FloatVector.broadcast(F, 1f);
            final VectorMask<Float> all = F.maskAll(true);
            int pending = 0;
            double score = 0;
            double count = 0;
            for (int r = r0; r < r1; r++) {
                float rm = 1f;
                final int xo = 4 * r * o.xStride;
                final int yo = 4 * r * o.labelStride;
                if (rowMask) {
                    rm = mb.getFloat(4 * r);
                    if (rm == 0f) {
                        if (wantGrad) {
                            zeroRow(gb, xo, c);
                        }
                        continue;
                    }
                }
                // rows with a positive label are rare (≈ 0.1% of RetinaNet's anchors): found by a scan of the label row,
                // which also brings it into L1 for the loop below
                boolean fg = (eql || collect) && foreground(r);
                if (!wantGrad && counts(r)) {
                    count++;
                }
                float[] w = weight;
                if (eql && fg) {
                    w = rowWeight;
                    for (int j = 0; j < c; j++) {
                        float yv = yb.getFloat(yo + 4 * j);
                        float ex = spec.exemptColumns ? yb.getFloat(yo + 4 * (c + j)) : 0f;
                        w[j] = weight[j] * (1f - tail[j] * (1f - yv) * (1f - ex));
                    }
                }
                FloatVector rowLoss = FloatVector.zero(F);
                for (int j = 0; ; j += LANES) {
                    final int jj = Math.min(j, c - LANES);
                    final boolean last = jj == c - LANES;
                    final VectorMask<Float> take = last ? lastTake : all;
                    FloatVector x = FloatVector.fromByteBuffer(F, xb, xo + 4 * jj, ORDER);
                    FloatVector sc = scaled ? FloatVector.fromArray(F, scale, jj) : null;
                    if (scaled) {
                        x = x.mul(sc);                                         // IIF: w_j·x_j
                    }
                    FloatVector y = FloatVector.fromByteBuffer(F, yb, yo + 4 * jj, ORDER);
                    FloatVector s = y.mul(-2f).add(1f);                        // s = 1 − 2y
                    FloatVector z = x.mul(s);
                    FloatVector e = z.abs().min(EXP_FLOOR).neg().lanewise(VectorOperators.EXP); // e^{−|z|}
                    FloatVector u = e.add(1f);
                    FloatVector inv = one.div(u);
                    // log1p(e) = log(u) + log(1 + (e − (u − 1))/u) ≈ log(u) + (e − (u − 1))·(1/u), u = fl(1 + e): the
                    // rounding error e − (u − 1) is exact for e ≤ 1, and the first-order term leaves an error below
                    // one ulp. (JDK 17's LOG1P is not an intrinsic: it ran lane by lane, 20× slower than LOG.)
                    FloatVector lp = u.lanewise(VectorOperators.LOG).add(e.sub(u.sub(1f)).mul(inv));
                    FloatVector ce = z.max(0f).add(lp);                          // softplus(z)
                    FloatVector ei = e.mul(inv);
                    VectorMask<Float> nonNeg = z.compare(VectorOperators.GE, 0f);
                    FloatVector q = ei.blend(inv, nonNeg);                        // σ(z) = 1 − p_t
                    FloatVector g = FloatVector.fromArray(F, gamma, jj);
                    FloatVector qg;
                    if (gammaTwo) {
                        qg = q.mul(q).blend(0f, z.compare(VectorOperators.LT, -FLUSH / 3));
                    } else {
                        FloatVector logSig = z.neg().max(0f).add(lp).neg();        // log σ(z)
                        qg = logSig.mul(g).lanewise(VectorOperators.EXP)
                                .blend(0f, logSig.mul(g.add(1f)).compare(VectorOperators.LT, -FLUSH));
                    }
                    FloatVector common = y.mul(a1).add(a0).mul(qg).mul(FloatVector.fromArray(F, w, jj)).mul(rm);
                    VectorMask<Float> keep = take;
                    VectorMask<Float> usedLanes = all;
                    if (elementMask) {
                        FloatVector mv = FloatVector.fromByteBuffer(F, mb, xo + 4 * jj, ORDER);
                        usedLanes = mv.compare(VectorOperators.NE, 0f);
                        common = common.mul(mv);
                        keep = take.and(usedLanes);
                    }
                    if (wantScore) {
                        rowLoss = rowLoss.add(common.mul(ce), keep);
                    }
                    if (wantGrad) {
                        FloatVector pt = inv.blend(ei, nonNeg);                   // p_t, without cancellation
                        FloatVector gv = g.mul(pt).mul(ce).add(q).mul(common).mul(s).mul(iz);
                        if (scaled) {
                            gv = gv.mul(sc);
                        }
                        if (elementMask) {
                            gv = gv.blend(0f, usedLanes.not());               // masked: exactly 0, as the scalar kernel
                        }
                        gv.intoByteBuffer(gb, xo + 4 * jj, ORDER);
                        if (collect) {
                            FloatVector na = FloatVector.fromArray(F, negAcc, jj);
                            na.add(fg ? gv.abs().mul(y.neg().add(1f)) : gv.abs(), take).intoArray(negAcc, jj);
                        }
                    }
                    if (last) {
                        break;
                    }
                }
                if (wantScore) {
                    score += rowLoss.reduceLanes(VectorOperators.ADD);
                }
                if (collect) {
                    if (fg) {
                        // the positives' statistics from the stored gradient
                        for (int j = 0; j < c; j++) {
                            if (yb.getFloat(yo + 4 * j) > 0f) {
                                pos[j] += Math.abs(gb.getFloat(xo + 4 * j));
                            }
                        }
                    }
                    if (++pending == flushRows) {
                        flush(negAcc, neg, c);
                        pending = 0;
                    }
                }
            }
            if (collect) {
                flush(negAcc, neg, c);
            }
            segScore[k] = score;
            segCount[k] = count;
        }
    }

    /**
     * Zeroes the c ≥ {@link #LANES} floats at byte offset {@code offset} of {@code gb} (a masked row's gradient), in whole
     * vectors: the last one overlaps the one before when c is not a multiple of the lane count.
     */
    static void zeroRow(ByteBuffer gb, int offset, int c) {
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; ; j += LANES) {
            int jj = Math.min(j, c - LANES);
            zero.intoByteBuffer(gb, offset + 4 * jj, ORDER);
            if (jj == c - LANES) {
                break;
            }
        }
    }
}
