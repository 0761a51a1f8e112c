package io.github.retina4j.losses;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Prime Sample Attention for RetinaNet (Cao et al., "Prime Sample Attention in Object Detection", CVPR 2020, §3.2
 * ISR and §3.3 CARL; DESIGN §3.6), in mmdetection's one-stage form ({@code PISARetinaHead}: {@code isr_p},
 * {@code carl_loss}). One joint loss over the concatenated head outputs, because ISR-P ranks positives by the IoU of
 * their <em>predicted</em> boxes and CARL weights the regression loss by the classification score:
 *
 * <p>S = Σ_{r,c} m·w_r·FL(x_rc, y_rc) / Z + Σ_{pos} Σ_4 SL1_β(|Δ̂ − Δ|) / Z + CARL, Z = max(1, N_pos),
 *
 * with w_r = 1 off the positives and the ISR-P weight on them (constants for the gradient, as mmdetection computes them
 * under {@code no_grad}), and CARL = Σ_{pos} v_i·Σ_4 SL1_β / Z, v_i = P·c_i / Σ_j c_j, c_i = (b + (1 − b)·σ(x_{i,l_i}))^k
 * (gradient into the score of each positive's own class, also through the normalisation).
 *
 * <h2>Layout</h2>
 * <ul>
 *   <li>pre-output {@code [R, C + 4]}: class logits then box deltas (dx, dy, dw, dh), R = N·A, as {@code RnnLossLayer}
 *       passes a {@code [N, C + 4, A]} merge of the two heads;</li>
 *   <li>labels {@code [R, C + 5]}: one-hot classes, encoded box targets, and a group column: for a positive anchor a
 *       number that identifies its (image, assigned ground truth) pair within the minibatch (any value elsewhere);</li>
 *   <li>mask {@code [R, 1]} (class mask m) or {@code [R, C + 4]} (class mask on the first C columns, box mask on the
 *       last 4). Positives are the rows with Σ_c m·y &gt; 0 (N_pos of the focal loss).</li>
 * </ul>
 * The IoU of a positive's predicted box with its target box is computed from the two delta vectors: both decode
 * against the same anchor, and IoU is invariant under the translation and per-axis scaling that maps the anchor to the
 * unit square, so the anchor itself is not needed (mmdetection's {@code DeltaXYWHBBoxCoder}: deltas × stds, dw and dh
 * clamped to ±ln(1000/16)).
 */
public class PisaLoss extends AbstractDenseLoss {

    private static final long serialVersionUID = 1L;

    /** ISR-P k = 2, bias = 0: mmdetection {@code pisa_retinanet_r50_fpn_1x} {@code train_cfg.isr}. */
    public static final double DEFAULT_ISR_K = 2.0;
    public static final double DEFAULT_ISR_BIAS = 0.0;
    /** CARL k = 1, bias = 0.2: mmdetection {@code train_cfg.carl}. */
    public static final double DEFAULT_CARL_K = 1.0;
    public static final double DEFAULT_CARL_BIAS = 0.2;
    /** Smooth L1 β = 0.11 of the PISA RetinaNet configuration (box loss and CARL). */
    public static final double DEFAULT_BETA = 0.11;
    /** mmdetection {@code DeltaXYWHBBoxCoder} clamp of dw, dh: |ln(16/1000)|. */
    public static final double DELTA_CLAMP = Math.abs(Math.log(16.0 / 1000.0));

    @JsonProperty("alpha")
    private double alpha;
    @JsonProperty("gamma")
    private double gamma;
    @JsonProperty("isr")
    private boolean isr;
    @JsonProperty("isrK")
    private double isrK;
    @JsonProperty("isrBias")
    private double isrBias;
    @JsonProperty("carl")
    private boolean carl;
    @JsonProperty("carlK")
    private double carlK;
    @JsonProperty("carlBias")
    private double carlBias;
    @JsonProperty("beta")
    private double beta;
    @JsonProperty("deltaStds")
    private double[] deltaStds;

    /** mmdetection's PISA RetinaNet: focal α 0.25, γ 2; ISR-P k 2, bias 0; CARL k 1, bias 0.2; smooth L1 β 0.11. */
    public PisaLoss() {
        this(SigmoidFocalLoss.DEFAULT_ALPHA, SigmoidFocalLoss.DEFAULT_GAMMA, true, DEFAULT_ISR_K, DEFAULT_ISR_BIAS,
                true, DEFAULT_CARL_K, DEFAULT_CARL_BIAS, DEFAULT_BETA, new double[]{1, 1, 1, 1});
    }

    /**
     * @param isr       apply ISR-P to the positives' classification weights
     * @param carl      add the classification-aware regression loss
     * @param deltaStds the box coder's delta standard deviations (targets were encoded as deltas / stds)
     */
    public PisaLoss(double alpha, double gamma, boolean isr, double isrK, double isrBias, boolean carl, double carlK,
                    double carlBias, double beta, double[] deltaStds) {
        FocalParameters.check("PisaLoss", alpha, gamma);
        LossMath.checkPositive("PisaLoss isrK", isrK);
        LossMath.checkUnitInterval("PisaLoss isrBias", isrBias);
        LossMath.checkPositive("PisaLoss carlK", carlK);
        LossMath.checkUnitInterval("PisaLoss carlBias", carlBias);
        LossMath.checkNonNegative("PisaLoss beta", beta);
        if (deltaStds == null || deltaStds.length != 4) {
            throw new IllegalArgumentException("PisaLoss deltaStds must have 4 values, got " + Arrays.toString(deltaStds));
        }
        for (double s : deltaStds) {
            LossMath.checkPositive("PisaLoss deltaStds", s);
        }
        this.alpha = alpha;
        this.gamma = gamma;
        this.isr = isr;
        this.isrK = isrK;
        this.isrBias = isrBias;
        this.carl = carl;
        this.carlK = carlK;
        this.carlBias = carlBias;
        this.beta = beta;
        this.deltaStds = deltaStds.clone();
    }

    public double getAlpha() { return alpha; }
    public double getGamma() { return gamma; }
    public boolean isIsr() { return isr; }
    public double getIsrK() { return isrK; }
    public double getIsrBias() { return isrBias; }
    public boolean isCarl() { return carl; }
    public double getCarlK() { return carlK; }
    public double getCarlBias() { return carlBias; }
    public double getBeta() { return beta; }
    public double[] getDeltaStds() { return deltaStds.clone(); }

    /** Extra label column: the (image, ground truth) group of each positive. */
    @Override
    protected long labelColumns(long predCols) {
        return predCols + 1;
    }

    /**
     * ISR-P intermediates (mmdetection {@code isr_p}), per positive in increasing row order.
     *
     * @param rows          positive rows
     * @param classes       their class l
     * @param groups        their group value (label column C + 4)
     * @param iou           IoU of the decoded prediction with the decoded target
     * @param localRank     rank by IoU (descending, from 0) within the positives of the same class and group
     * @param hlrRank       hierarchical local rank: within the class, by local rank, then IoU descending
     * @param maxPerClass   n_max, the largest number of positives of one class
     * @param u             (n_max − r) / n_max
     * @param rawWeights    (bias + (1 − bias)·u)^k
     * @param rescaleRatio  Σ_pos Σ_c m·FL / Σ_pos Σ_c m·FL·rawWeight (1 when the denominator is 0)
     * @param weights       rawWeights × rescaleRatio
     */
    public record IsrResult(int[] rows, int[] classes, double[] groups, double[] iou, int[] localRank, int[] hlrRank,
                            int maxPerClass, double[] u, double[] rawWeights, double rescaleRatio, double[] weights) {
    }

    /**
     * The separate terms of S and their gradients (row-major {@code [R, C]} for classes, {@code [R, 4]} for boxes).
     *
     * @param isr        the ISR-P intermediates used (null with ISR-P off)
     * @param cls        Σ m·w·FL / Z
     * @param box        Σ SL1 / Z over the positives
     * @param carl       CARL (0 when off)
     * @param clsGrad    ∂cls/∂x_class
     * @param boxGrad    ∂box/∂x_box
     * @param carlClsGrad ∂carl/∂x_class
     * @param carlBoxGrad ∂carl/∂x_box
     * @param clsTerms    per-element m·w·FL / Z, {@code [R, C]}
     * @param boxTerms    per-element smooth L1 / Z of the positives, {@code [R, 4]}
     * @param carlWeights CARL's v_i per positive (in {@code isr}'s row order; empty with CARL off)
     * @param positiveRows the positive rows, increasing
     * @param numPositive N_pos
     */
    public record Parts(IsrResult isr, double cls, double box, double carl, double[] clsGrad, double[] boxGrad,
                        double[] carlClsGrad, double[] carlBoxGrad, double[] clsTerms, double[] boxTerms,
                        double[] carlWeights, int[] positiveRows, int numPositive) {
        public double total() {
            return cls + box + carl;
        }
    }

    /**
     * Evaluates every term on 2D arrays in the layout above (any data type; computed in double).
     *
     * @param fixedIsrWeights per-positive ISR-P weights to use instead of computing them (e.g. for a finite-difference
     *                        check that holds them constant, as the gradient does), or null
     */
    public Parts evaluate(INDArray labels, INDArray preOutput, INDArray mask, double[] fixedIsrWeights) {
        LossMath.checkShapes(name(), labels, preOutput, mask, labelColumns(preOutput.columns()));
        int rows = Math.toIntExact(preOutput.rows());
        int k = Math.toIntExact(preOutput.columns());
        int c = k - 4;
        if (c < 1) {
            throw new IllegalArgumentException(name() + ": pre-output needs C + 4 columns with C ≥ 1, got " + k);
        }
        double[] x = preOutput.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] y = labels.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] m = mask == null ? null : mask.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int mc = mask == null ? 0 : Math.toIntExact(mask.columns());
        int lk = k + 1;

        // focal terms, unmasked; positives
        double[] fl = new double[rows * c];
        double[] dfl = new double[rows * c];
        List<Integer> pos = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            double labelled = 0;
            for (int j = 0; j < c; j++) {
                double yv = y[r * lk + j];
                focal(x[r * k + j], yv, r * c + j, fl, dfl);
                labelled += classMask(m, mc, r, j) * yv;
            }
            if (labelled > 0) {
                pos.add(r);
            }
        }
        int nPos = pos.size();
        double z = LossMath.normalizer(nPos);
        int[] posRows = pos.stream().mapToInt(Integer::intValue).toArray();
        int[] posClass = new int[nPos];
        for (int i = 0; i < nPos; i++) {
            int r = posRows[i];
            int best = 0;
            for (int j = 1; j < c; j++) {
                if (classMask(m, mc, r, j) * y[r * lk + j] > classMask(m, mc, r, best) * y[r * lk + best]) {
                    best = j;
                }
            }
            posClass[i] = best;
        }

        double[] rowWeight = new double[rows];
        Arrays.fill(rowWeight, 1.0);
        IsrResult isrResult = null;
        if (isr && nPos > 0) {
            isrResult = isrP(x, y, m, mc, k, c, posRows, posClass, fl);
            double[] w = fixedIsrWeights != null ? fixedIsrWeights : isrResult.weights();
            if (w.length != nPos) {
                throw new IllegalArgumentException(name() + ": " + w.length + " fixed ISR weights for " + nPos + " positives");
            }
            for (int i = 0; i < nPos; i++) {
                rowWeight[posRows[i]] = w[i];
            }
        }

        double cls = 0;
        double[] clsGrad = new double[rows * c];
        double[] clsTerms = new double[rows * c];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < c; j++) {
                double f = classMask(m, mc, r, j) * rowWeight[r] / z;
                clsTerms[r * c + j] = f * fl[r * c + j];
                cls += clsTerms[r * c + j];
                clsGrad[r * c + j] = f * dfl[r * c + j];
            }
        }

        // box regression: smooth L1 per positive (s_i), its gradient
        double box = 0;
        double[] boxGrad = new double[rows * 4];
        double[] boxTerms = new double[rows * 4];
        double[] s = new double[nPos];
        for (int i = 0; i < nPos; i++) {
            int r = posRows[i];
            for (int j = 0; j < 4; j++) {
                double mb = boxMask(m, mc, r, c + j);
                double diff = x[r * k + c + j] - y[r * lk + c + j];
                double d = Math.abs(diff);
                double l = beta > 0 && d < beta ? 0.5 * d * d / beta : d - 0.5 * beta;
                double g = beta > 0 && d < beta ? d / beta : 1.0;
                boxTerms[r * 4 + j] = mb * l / z;
                s[i] += boxTerms[r * 4 + j];
                boxGrad[r * 4 + j] = mb * g * Math.signum(diff) / z;
            }
            box += s[i];
        }

        double carlLoss = 0;
        double[] carlClsGrad = new double[rows * c];
        double[] carlBoxGrad = new double[rows * 4];
        double[] carlWeights = new double[carl ? nPos : 0];
        if (carl && nPos > 0) {
            double[] p = new double[nPos];
            double[] cw = new double[nPos];
            double sum = 0;
            for (int i = 0; i < nPos; i++) {
                p[i] = sigmoid(x[posRows[i] * k + posClass[i]]);
                cw[i] = Math.pow(carlBias + (1 - carlBias) * p[i], carlK);
                sum += cw[i];
            }
            double weighted = 0;
            for (int i = 0; i < nPos; i++) {
                weighted += cw[i] * s[i];
            }
            carlLoss = nPos * weighted / sum;
            for (int i = 0; i < nPos; i++) {
                int r = posRows[i];
                double v = nPos * cw[i] / sum;
                carlWeights[i] = v;
                // ∂CARL/∂c_i = (P / Σc)(s_i − CARL / P); ∂c_i/∂x = k(1 − b)(b + (1 − b)p)^{k−1}·p(1 − p)
                double dc = carlK * (1 - carlBias) * Math.pow(carlBias + (1 - carlBias) * p[i], carlK - 1) * p[i] * (1 - p[i]);
                carlClsGrad[r * c + posClass[i]] = nPos / sum * (s[i] - carlLoss / nPos) * dc;
                for (int j = 0; j < 4; j++) {
                    carlBoxGrad[r * 4 + j] = v * boxGrad[r * 4 + j];
                }
            }
        }
        return new Parts(isrResult, cls, box, carlLoss, clsGrad, boxGrad, carlClsGrad, carlBoxGrad, clsTerms, boxTerms,
                carlWeights, posRows, nPos);
    }

    /** mmdetection {@code isr_p}: IoU hierarchical local rank → weights, rescaled to keep the positives' focal sum. */
    private IsrResult isrP(double[] x, double[] y, double[] m, int mc, int k, int c, int[] posRows, int[] posClass,
                           double[] fl) {
        int n = posRows.length;
        int lk = k + 1;
        double[] groups = new double[n];
        double[] iou = new double[n];
        for (int i = 0; i < n; i++) {
            int r = posRows[i];
            groups[i] = y[r * lk + k];
            iou[i] = deltaIou(x, r * k + c, y, r * lk + c);
        }
        Map<Integer, List<Integer>> byClass = new HashMap<>();
        for (int i = 0; i < n; i++) {
            byClass.computeIfAbsent(posClass[i], key -> new ArrayList<>()).add(i);
        }
        int maxPerClass = byClass.values().stream().mapToInt(List::size).max().orElse(0);
        // ties (not expected with real IoUs) go to the earlier row, so the order is deterministic
        Comparator<Integer> byIouDesc = Comparator.<Integer>comparingDouble(i -> -iou[i]).thenComparingInt(i -> i);
        int[] localRank = new int[n];
        int[] hlrRank = new int[n];
        double[] u = new double[n];
        double[] raw = new double[n];
        for (List<Integer> members : byClass.values()) {
            Map<Double, List<Integer>> byGroup = new HashMap<>();
            for (int i : members) {
                byGroup.computeIfAbsent(groups[i], key -> new ArrayList<>()).add(i);
            }
            for (List<Integer> g : byGroup.values()) {
                g.sort(byIouDesc);
                for (int rank = 0; rank < g.size(); rank++) {
                    localRank[g.get(rank)] = rank;
                }
            }
            // mmdetection sorts by IoU + n_max − local rank: local rank first, IoU (< 1) second
            List<Integer> sorted = new ArrayList<>(members);
            sorted.sort(Comparator.<Integer>comparingInt(i -> localRank[i]).thenComparing(byIouDesc));
            for (int rank = 0; rank < sorted.size(); rank++) {
                int i = sorted.get(rank);
                hlrRank[i] = rank;
                u[i] = (double) (maxPerClass - rank) / maxPerClass;
                raw[i] = Math.pow(isrBias + (1 - isrBias) * u[i], isrK);
            }
        }
        double original = 0;
        double reweighted = 0;
        for (int i = 0; i < n; i++) {
            int r = posRows[i];
            double rowSum = 0;
            for (int j = 0; j < c; j++) {
                rowSum += classMask(m, mc, r, j) * fl[r * c + j];
            }
            original += rowSum;
            reweighted += rowSum * raw[i];
        }
        double ratio = reweighted > 0 ? original / reweighted : 1.0;
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            weights[i] = raw[i] * ratio;
        }
        return new IsrResult(posRows.clone(), posClass.clone(), groups, iou, localRank, hlrRank, maxPerClass, u, raw,
                ratio, weights);
    }

    /** IoU of the boxes two delta vectors decode to on one anchor, computed on the unit anchor (class comment). */
    private double deltaIou(double[] a, int ao, double[] b, int bo) {
        double[] ba = unitBox(a, ao);
        double[] bb = unitBox(b, bo);
        double iw = Math.max(0, Math.min(ba[2], bb[2]) - Math.max(ba[0], bb[0]));
        double ih = Math.max(0, Math.min(ba[3], bb[3]) - Math.max(ba[1], bb[1]));
        double inter = iw * ih;
        double union = (ba[2] - ba[0]) * (ba[3] - ba[1]) + (bb[2] - bb[0]) * (bb[3] - bb[1]) - inter;
        return inter / union;
    }

    private double[] unitBox(double[] d, int o) {
        double cx = d[o] * deltaStds[0];
        double cy = d[o + 1] * deltaStds[1];
        double w = Math.exp(clamp(d[o + 2] * deltaStds[2]));
        double h = Math.exp(clamp(d[o + 3] * deltaStds[3]));
        return new double[]{cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h};
    }

    private static double clamp(double v) {
        return Math.max(-DELTA_CLAMP, Math.min(DELTA_CLAMP, v));
    }

    /** Focal loss and ∂/∂x of one element in the stable form of DESIGN §3 "Numerics". */
    private void focal(double x, double y, int at, double[] fl, double[] dfl) {
        double sgn = 1 - 2 * y;
        double zz = sgn * x;
        double sp = Math.max(zz, 0) + Math.log1p(Math.exp(-Math.abs(zz)));
        double logSig = zz - sp;
        double sig = Math.exp(logSig);
        double qg = gamma == 0 ? 1.0 : Math.exp(gamma * logSig);
        double at_ = (1 - alpha) + y * (2 * alpha - 1);
        fl[at] = at_ * qg * sp;
        dfl[at] = at_ * sgn * qg * (gamma * (1 - sig) * sp + sig);
    }

    private static double sigmoid(double v) {
        return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
    }

    private static double classMask(double[] m, int mc, int r, int j) {
        return m == null ? 1.0 : mc == 1 ? m[r] : m[r * mc + j];
    }

    private static double boxMask(double[] m, int mc, int r, int col) {
        return m == null ? 1.0 : mc == 1 ? m[r] : m[r * mc + col];
    }

    /**
     * Training path: the focal term of every row on {@link FusedFocalKernel} (w_r = 1), then the positive rows — the
     * only ones with an ISR-P weight, a box loss or a CARL term, ≈ 0.1% of RetinaNet's anchors — through
     * {@link #evaluate} on those rows alone, whose results replace theirs. That is exact: N_pos, Z, the ISR-P ranks and
     * rescaling and CARL depend on the positive rows only.
     */
    @Override
    FusedFocalKernel.Result fusedPath(INDArray labels, INDArray x, INDArray mask, boolean wantGrad, boolean wantScore) {
        if (!FusedFocalKernel.applicable(labels, x)) {
            return null;
        }
        int rows = Math.toIntExact(x.rows());
        int k = Math.toIntExact(x.columns());
        int c = k - 4;
        if (c < 1) {
            throw new IllegalArgumentException(name() + ": pre-output needs C + 4 columns with C ≥ 1, got " + k);
        }
        INDArrayIndex[] classCols = {NDArrayIndex.all(), NDArrayIndex.interval(0, c)};
        INDArray classMask = mask == null || mask.columns() == 1 ? mask : mask.get(classCols);
        // the kernel reads the first C columns of each row of x [R, C + 4], labels [R, C + 5] and an element mask
        FusedFocalKernel.Result r = FusedFocalKernel.compute(labels, x, mask, c,
                FusedFocalKernel.Spec.focal(alpha, FusedFocalKernel.Spec.uniform(gamma, c), null, false), wantGrad, wantScore);

        // positive rows: Σ_c m·y > 0 over the class columns (as evaluate)
        INDArray labelled = classMask == null || classMask.columns() == 1 ? labels.get(classCols).sum(1)
                : labels.get(classCols).mul(classMask.castTo(labels.dataType())).sum(1);
        double[] rowSum = labelled.castTo(DataType.DOUBLE).toDoubleVector();
        double[] rowMask = mask != null && mask.columns() == 1 ? mask.castTo(DataType.DOUBLE).toDoubleVector() : null;
        int[] posRows = IntStream.range(0, rows).filter(i -> rowSum[i] * (rowMask == null ? 1 : rowMask[i]) > 0).toArray();

        FusedFocalKernel.Result out = new FusedFocalKernel.Result();
        out.positives = posRows.length;
        out.score = r.score;
        if (wantGrad) {
            out.grad = r.grad;                                   // [R, C + 4], box columns not yet written
            out.grad.get(NDArrayIndex.all(), NDArrayIndex.interval(c, k)).assign(0);
        }
        if (posRows.length == 0) {
            return out;
        }
        INDArray xp = x.getRows(posRows);
        INDArray yp = labels.getRows(posRows);
        INDArray mp = mask == null ? null : mask.getRows(posRows);
        Parts p = evaluate(yp, xp, mp, null);
        // the positive rows' unweighted focal terms, which the kernel counted, give way to evaluate's
        double[] xs = xp.castTo(DataType.DOUBLE).data().asDouble();
        double[] ys = yp.castTo(DataType.DOUBLE).data().asDouble();
        double[] ms = mp == null ? null : mp.castTo(DataType.DOUBLE).data().asDouble();
        int mc = mask == null ? 0 : Math.toIntExact(mask.columns());
        double unweighted = 0;
        double[] fl = new double[1];
        double[] dfl = new double[1];
        for (int i = 0; i < posRows.length; i++) {
            for (int j = 0; j < c; j++) {
                focal(xs[i * k + j], ys[i * (k + 1) + j], 0, fl, dfl);
                unweighted += classMask(ms, mc, i, j) * fl[0];
            }
        }
        out.score = r.score - unweighted / LossMath.normalizer(posRows.length) + p.total();
        if (wantGrad) {
            double[] g = new double[k];
            for (int i = 0; i < posRows.length; i++) {
                for (int j = 0; j < c; j++) {
                    g[j] = p.clsGrad()[i * c + j] + p.carlClsGrad()[i * c + j];
                }
                for (int j = 0; j < 4; j++) {
                    g[c + j] = p.boxGrad()[i * 4 + j] + p.carlBoxGrad()[i * 4 + j];
                }
                out.grad.putRow(posRows[i], Nd4j.createFromArray(g).castTo(x.dataType()).reshape(1, k));
            }
        }
        return out;
    }

    @Override
    protected Terms compute(INDArray labels, INDArray x, INDArray mask, boolean wantGrad, boolean training) {
        Parts p = evaluate(labels, x, mask, null);
        int rows = Math.toIntExact(x.rows());
        int k = Math.toIntExact(x.columns());
        int c = k - 4;
        // per-element terms summing to S (row sums are the per-anchor scores): focal in the class columns, a
        // positive's smooth L1 times (1 + its CARL weight) in the box columns
        double[] rowBoxFactor = new double[rows];
        Arrays.fill(rowBoxFactor, 1.0);
        if (p.carlWeights().length > 0) {
            int[] posRows = p.positiveRows();
            for (int i = 0; i < posRows.length; i++) {
                rowBoxFactor[posRows[i]] += p.carlWeights()[i];
            }
        }
        double[] loss = new double[rows * k];
        double[] grad = wantGrad ? new double[rows * k] : null;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < c; j++) {
                loss[r * k + j] = p.clsTerms()[r * c + j];
                if (wantGrad) {
                    grad[r * k + j] = p.clsGrad()[r * c + j] + p.carlClsGrad()[r * c + j];
                }
            }
            for (int j = 0; j < 4; j++) {
                loss[r * k + c + j] = p.boxTerms()[r * 4 + j] * rowBoxFactor[r];
                if (wantGrad) {
                    grad[r * k + c + j] = p.boxGrad()[r * 4 + j] + p.carlBoxGrad()[r * 4 + j];
                }
            }
        }
        INDArray lossArr = Nd4j.createFromArray(loss).reshape('c', rows, k).castTo(x.dataType());
        INDArray gradArr = wantGrad ? Nd4j.createFromArray(grad).reshape('c', rows, k).castTo(x.dataType()) : null;
        return new Terms(lossArr, gradArr);
    }

    @Override
    public String name() {
        return "PisaLoss(alpha=" + alpha + ", gamma=" + gamma + ", isr=" + isr + " (k=" + isrK + ", bias=" + isrBias
                + "), carl=" + carl + " (k=" + carlK + ", bias=" + carlBias + "), beta=" + beta + ", deltaStds="
                + Arrays.toString(deltaStds) + ")";
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof PisaLoss that)) {
            return false;
        }
        return Double.compare(alpha, that.alpha) == 0 && Double.compare(gamma, that.gamma) == 0 && isr == that.isr
                && Double.compare(isrK, that.isrK) == 0 && Double.compare(isrBias, that.isrBias) == 0
                && carl == that.carl && Double.compare(carlK, that.carlK) == 0
                && Double.compare(carlBias, that.carlBias) == 0 && Double.compare(beta, that.beta) == 0
                && Arrays.equals(deltaStds, that.deltaStds);
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), alpha, gamma, isr, isrK, isrBias, carl, carlK, carlBias, beta)
                * 31 + Arrays.hashCode(deltaStds);
    }
}
