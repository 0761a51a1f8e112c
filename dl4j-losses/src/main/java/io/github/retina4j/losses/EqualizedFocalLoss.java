package io.github.retina4j.losses;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Arrays;
import java.util.Objects;

/**
 * Equalized focal loss (Li et al., "Equalized Focal Loss for Dense Long-Tailed Object Detection",
 * CVPR 2022, eq. 4–6; DESIGN §3.2), stateful like the reference implementation (ModelTC/EOD {@code efl.py}).
 *
 * <p>Per class j: γ_j = γ_b + s·(1 − g_j), w_j = γ_j / γ_b,
 * EFL = −α_t·w_j·(1 − p_t)^{γ_j}·log p_t, S = Σ m·EFL / Z, Z = max(1, N_pos). g_j = {@code posNeg[j]}.
 *
 * <h2>State and its update (exactly as the reference, DESIGN §3.2)</h2>
 * Initial state posGrad = 0, negGrad = 0, posNeg = 1 (so the first step is the plain focal loss).
 * One training step: (1) γ_j, w_j from the state before the step (constants); (2) S and G = ∂S/∂x —
 * the gradient of the normalised objective S, which is what {@link #computeGradient} returns (no
 * minibatch division happens inside the loss, so nothing has to be undone); (3) posGrad_j += Σ |G| over
 * used positive elements of class j, negGrad_j += Σ |G| over used negative elements,
 * posNeg_j = clamp(posGrad_j / (negGrad_j + 1e-10), 0, 1).
 * The update happens only on the training path ({@code computeGradient} /
 * {@code computeGradientAndScore}); {@code computeScore}/{@code computeScoreArray} (scoring,
 * evaluation) never change it. Note that {@code ComputationGraph.calculateGradients} also runs the
 * training path. DL4J 1.0.0-M2.1's {@code ComputationGraph.computeGradientAndScore} back-propagates
 * first and scores afterwards, so the score DL4J logs for a training step is computed with the state
 * already updated by that step (the gradient, as in the reference, uses the state before it).
 *
 * <h2>Data-parallel training</h2>
 * Each replica of a data-parallel run (DL4J's {@code ParallelWrapper} workers, Spark executors) holds its own copy of
 * this loss and updates it from its own minibatches only. EOD all-reduces the per-class sums across GPUs every step
 * ({@code efl.py}, {@code collect_grad}). Here every replica also records its round's contribution before
 * normalisation (Z·Σ|G|, and N_pos), and {@link #combineRounds} merges the replicas at each synchronisation point: the
 * result is the state that one loss would reach on the union of the replicas' minibatches, whose gradient is
 * normalised by the union's Z = max(1, Σ N_pos) (a plain sum of the replicas' Σ|G|, as EOD's, weights each replica by
 * 1/its own N_pos instead). The round records are not persisted.
 *
 * <h2>Persistence</h2>
 * The state is stored in JSON fields of this object, so it is written with the graph configuration
 * JSON and therefore by {@code ModelSerializer}, and resumes with a restored model.
 *
 * <h2>Gradient checks</h2>
 * A gradient check computes one analytic gradient (training path) and then many scores: the state
 * update in between would change the objective. Call {@link #setStateFrozen(boolean) setStateFrozen(true)}
 * (also useful to fine-tune with fixed statistics) before {@code GradientCheckUtil}.
 *
 * <p>Inputs, masks and DL4J normalisation contract: as {@link SigmoidFocalLoss} (build graphs with
 * {@code miniBatch(false)}). Not thread-safe while training (the state is updated in place), like
 * any DL4J layer configuration.
 */
public class EqualizedFocalLoss extends AbstractDenseLoss {

    private static final long serialVersionUID = 1L;

    /** γ_b = 2 (EFL paper §4.1, same as focal loss). */
    public static final double DEFAULT_GAMMA_B = 2.0;
    /** s = 8 (EFL paper, Table 5 best scale factor). */
    public static final double DEFAULT_SCALE_FACTOR = 8.0;
    /** ε in g_j = G⁺/(G⁻ + ε) as in EOD efl.py. */
    public static final double EPS = 1e-10;

    @JsonProperty("alpha")
    private double alpha;
    @JsonProperty("gammaB")
    private double gammaB;
    @JsonProperty("scaleFactor")
    private double scaleFactor;
    @JsonProperty("numClasses")
    private int numClasses;
    @JsonProperty("posGrad")
    private double[] posGrad;
    @JsonProperty("negGrad")
    private double[] negGrad;
    @JsonProperty("posNeg")
    private double[] posNeg;
    @JsonProperty("stateFrozen")
    private boolean stateFrozen;

    /* The current synchronisation round (see "Data-parallel training"): the state the round started from, and the
       sums of Z·(per-class Σ|∂S/∂x|) and of N_pos over the round's training steps. Not serialised. */
    private transient double[] roundBasePosGrad;
    private transient double[] roundBaseNegGrad;
    private transient double[] roundPos;
    private transient double[] roundNeg;
    private transient double roundPositives;
    private transient int roundSteps;

    /**
     * Paper defaults (α 0.25, γ_b 2, s 8) with the number of classes taken from the first labels
     * seen (numClasses = 0 until then). Prefer {@link #EqualizedFocalLoss(int)}.
     */
    public EqualizedFocalLoss() {
        this(SigmoidFocalLoss.DEFAULT_ALPHA, DEFAULT_GAMMA_B, DEFAULT_SCALE_FACTOR, 0);
    }

    /** Paper defaults for {@code numClasses} classes. */
    public EqualizedFocalLoss(int numClasses) {
        this(SigmoidFocalLoss.DEFAULT_ALPHA, DEFAULT_GAMMA_B, DEFAULT_SCALE_FACTOR, numClasses);
    }

    /**
     * @param alpha       α in [0, 1]
     * @param gammaB      γ_b &gt; 0 (it divides the weighting factor)
     * @param scaleFactor s ≥ 0
     * @param numClasses  C ≥ 1 (0 = from the first labels)
     */
    public EqualizedFocalLoss(double alpha, double gammaB, double scaleFactor, int numClasses) {
        LossMath.checkUnitInterval("EqualizedFocalLoss alpha", alpha);
        LossMath.checkPositive("EqualizedFocalLoss gammaB", gammaB);
        LossMath.checkNonNegative("EqualizedFocalLoss scaleFactor", scaleFactor);
        if (numClasses < 0) {
            throw new IllegalArgumentException("EqualizedFocalLoss numClasses must be >= 0, got " + numClasses);
        }
        this.alpha = alpha;
        this.gammaB = gammaB;
        this.scaleFactor = scaleFactor;
        this.numClasses = numClasses;
        if (numClasses > 0) {
            resetState();
        }
    }

    /** Resets the statistics to the reference's initial values (posGrad 0, negGrad 0, posNeg 1). */
    public synchronized void resetState() {
        if (numClasses <= 0) {
            throw new IllegalStateException("EqualizedFocalLoss: numClasses unknown, cannot size the state");
        }
        posGrad = new double[numClasses];
        negGrad = new double[numClasses];
        posNeg = new double[numClasses];
        Arrays.fill(posNeg, 1.0);
        roundSteps = 0;
    }

    /**
     * Replaces the state (e.g. to resume from statistics saved elsewhere). Arrays are copied; each
     * must have numClasses entries, finite and ≥ 0, posNeg within [0, 1].
     */
    public synchronized void setState(double[] posGrad, double[] negGrad, double[] posNeg) {
        checkStateVector("posGrad", posGrad, false);
        checkStateVector("negGrad", negGrad, false);
        checkStateVector("posNeg", posNeg, true);
        this.posGrad = posGrad.clone();
        this.negGrad = negGrad.clone();
        this.posNeg = posNeg.clone();
        roundSteps = 0;
    }

    private void checkStateVector(String name, double[] v, boolean unit) {
        if (v == null || v.length != numClasses) {
            throw new IllegalArgumentException("EqualizedFocalLoss " + name + " must have numClasses = " + numClasses
                    + " entries, got " + (v == null ? "null" : v.length));
        }
        for (int j = 0; j < v.length; j++) {
            if (!(v[j] >= 0) || Double.isInfinite(v[j]) || (unit && v[j] > 1)) {
                throw new IllegalArgumentException("EqualizedFocalLoss " + name + "[" + j + "] invalid: " + v[j]);
            }
        }
    }

    public synchronized double[] getPosGrad() {
        return posGrad == null ? null : posGrad.clone();
    }

    public synchronized double[] getNegGrad() {
        return negGrad == null ? null : negGrad.clone();
    }

    public synchronized double[] getPosNeg() {
        return posNeg == null ? null : posNeg.clone();
    }

    public boolean isStateFrozen() {
        return stateFrozen;
    }

    /** When true the training path leaves the statistics unchanged (gradient checks, fine-tuning). */
    public void setStateFrozen(boolean stateFrozen) {
        this.stateFrozen = stateFrozen;
    }

    public double getAlpha() {
        return alpha;
    }

    public double getGammaB() {
        return gammaB;
    }

    public double getScaleFactor() {
        return scaleFactor;
    }

    public int getNumClasses() {
        return numClasses;
    }

    /** γ_j = γ_b + s·(1 − posNeg_j) (EFL eq. 5) from the current state. */
    public synchronized double[] focusingFactors() {
        double[] g = new double[numClasses];
        for (int j = 0; j < numClasses; j++) {
            g[j] = gammaB + scaleFactor * (1.0 - posNeg[j]);
        }
        return g;
    }

    private synchronized void ensureState(long cols) {
        if (numClasses == 0) {
            numClasses = Math.toIntExact(cols);
            resetState();
        }
        if (cols != numClasses) {
            throw new IllegalArgumentException("EqualizedFocalLoss numClasses = " + numClasses
                    + " does not match the " + cols + " prediction columns");
        }
        if (posGrad == null || negGrad == null || posNeg == null) {
            resetState();
        }
    }

    @Override
    FusedFocalKernel.Result fusedPath(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean wantScore) {
        if (!FusedFocalKernel.applicable(y, x)) {
            return null;
        }
        ensureState(x.columns());
        double[] gammaJ = focusingFactors();
        double[] wJ = new double[numClasses];
        for (int j = 0; j < numClasses; j++) {
            wJ[j] = gammaJ[j] / gammaB;
        }
        boolean update = wantGrad && !stateFrozen;
        FusedFocalKernel.Result r = FusedFocalKernel.compute(y, x, mask, FusedFocalKernel.Spec.focal(alpha, gammaJ, wJ, update),
                wantGrad, wantScore);
        if (update) {
            accumulate(r.posAbsGrad, r.negAbsGrad, r.positives);
        }
        return r;
    }

    /**
     * State update, reference step 3: posGrad += Σ|G| (y = 1), negGrad += Σ|G| (y = 0), then posNeg; and the round
     * record for {@link #combineRounds}.
     *
     * @param positives N_pos of the step (its normaliser is Z = max(1, N_pos))
     */
    private synchronized void accumulate(double[] pos, double[] neg, double positives) {
        if (roundSteps == 0) {
            roundBasePosGrad = posGrad.clone();
            roundBaseNegGrad = negGrad.clone();
            roundPos = new double[numClasses];
            roundNeg = new double[numClasses];
            roundPositives = 0;
        }
        double z = LossMath.normalizer(positives);
        for (int j = 0; j < numClasses; j++) {
            posGrad[j] += pos[j];
            negGrad[j] += neg[j];
            posNeg[j] = Math.min(1.0, Math.max(0.0, posGrad[j] / (negGrad[j] + EPS)));
            roundPos[j] += pos[j] * z;
            roundNeg[j] += neg[j] * z;
        }
        roundPositives += positives;
        roundSteps++;
    }

    /** Training steps recorded since the last {@link #startRound()} or {@link #combineRounds}. */
    public synchronized int roundSteps() {
        return roundSteps;
    }

    /** Forgets the current round's record: the present state is the common start of the next round. */
    public synchronized void startRound() {
        roundSteps = 0;
    }

    /**
     * One replica's round, for engines that ship it elsewhere (Spark executors to the driver): per class, the sums of
     * Z·Σ|∂S/∂x| over positive and negative elements of the round's steps, their N_pos sum, and the number of steps.
     */
    public record Round(double[] pos, double[] neg, double positives, int steps) implements java.io.Serializable {
        public Round {
            pos = pos.clone();
            neg = neg.clone();
        }
    }

    /** This replica's round so far (null if it made no training step), and a new round. */
    public synchronized Round takeRound() {
        if (roundSteps == 0) {
            return null;
        }
        Round r = new Round(roundPos, roundNeg, roundPositives, roundSteps);
        roundSteps = 0;
        return r;
    }

    /**
     * Adds the rounds of replicas that started from this loss's present state (e.g. the statistics broadcast to
     * executors), as {@link #combineRounds} does, and starts a new round here.
     */
    public synchronized void mergeRounds(java.util.Collection<Round> rounds) {
        if (rounds.isEmpty()) {
            return;
        }
        ensureState(rounds.iterator().next().pos().length);
        double[] pos = new double[numClasses];
        double[] neg = new double[numClasses];
        double positives = 0;
        int steps = 0;
        for (Round r : rounds) {
            if (r.pos().length != numClasses || r.neg().length != numClasses) {
                throw new IllegalArgumentException("EqualizedFocalLoss round has " + r.pos().length
                        + " classes, this loss " + numClasses);
            }
            for (int j = 0; j < numClasses; j++) {
                pos[j] += r.pos()[j];
                neg[j] += r.neg()[j];
            }
            positives += r.positives();
            steps = Math.max(steps, r.steps());
        }
        double z = LossMath.normalizer(positives / steps);
        double[] p = posGrad.clone();
        double[] n = negGrad.clone();
        double[] pn = new double[numClasses];
        for (int j = 0; j < numClasses; j++) {
            p[j] += pos[j] / z;
            n[j] += neg[j] / z;
            pn[j] = Math.min(1.0, Math.max(0.0, p[j] / (n[j] + EPS)));
        }
        setState(p, n, pn);
    }

    /**
     * Merges the rounds of data-parallel replicas of one loss (e.g. the copies of a graph's EFL held by the workers)
     * and gives every replica the merged state, then starts a new round on each. Every replica must have started the
     * round from the same state (the workers' copies of the same graph after the previous synchronisation) and have the
     * same hyper-parameters.
     *
     * <p>Merged posGrad_j = start + Σ_replicas Σ_steps Z_r·Σ|G_r| / Z with Z = max(1, Σ N_pos / k), k the longest round
     * in steps (negGrad alike), then posNeg. For rounds of one step (synchronisation after every step) this is exactly
     * the update of one loss on the union of the replicas' minibatches: Z_r·G_r is the un-normalised gradient of replica
     * r's elements, and the union normalises it by max(1, Σ N_pos). Longer rounds use the mean positives per step, exact
     * when the steps have equal N_pos.
     *
     * @throws IllegalArgumentException if the replicas differ in hyper-parameters or in the state they started from
     */
    public static void combineRounds(java.util.List<EqualizedFocalLoss> replicas) {
        if (replicas.isEmpty()) {
            return;
        }
        EqualizedFocalLoss first = replicas.get(0);
        double[] base = null;
        double[] baseNeg = null;
        int c = -1;
        double positives = 0;
        int steps = 0;
        double[] pos = null;
        double[] neg = null;
        for (EqualizedFocalLoss r : replicas) {
            synchronized (r) {
                if (r.alpha != first.alpha || r.gammaB != first.gammaB || r.scaleFactor != first.scaleFactor
                        || r.stateFrozen != first.stateFrozen) {
                    throw new IllegalArgumentException("EqualizedFocalLoss replicas differ in hyper-parameters: "
                            + first.name() + " vs " + r.name());
                }
                if (r.posGrad == null) {
                    continue; // never trained nor sized: nothing to merge
                }
                double[] start = r.roundSteps == 0 ? r.posGrad : r.roundBasePosGrad;
                double[] startNeg = r.roundSteps == 0 ? r.negGrad : r.roundBaseNegGrad;
                if (base == null) {
                    c = r.numClasses;
                    base = start.clone();
                    baseNeg = startNeg.clone();
                    pos = new double[c];
                    neg = new double[c];
                } else if (!Arrays.equals(base, start) || !Arrays.equals(baseNeg, startNeg)) {
                    throw new IllegalArgumentException("EqualizedFocalLoss replicas did not start the round from the "
                            + "same statistics (not copies of one loss, or a replica was synchronised separately)");
                }
                if (r.roundSteps > 0) {
                    for (int j = 0; j < c; j++) {
                        pos[j] += r.roundPos[j];
                        neg[j] += r.roundNeg[j];
                    }
                    positives += r.roundPositives;
                    steps = Math.max(steps, r.roundSteps);
                }
            }
        }
        if (base == null) {
            return;
        }
        double[] posNeg = new double[c];
        if (steps > 0) {
            double z = LossMath.normalizer(positives / steps);
            for (int j = 0; j < c; j++) {
                base[j] += pos[j] / z;
                baseNeg[j] += neg[j] / z;
            }
        }
        for (int j = 0; j < c; j++) {
            posNeg[j] = Math.min(1.0, Math.max(0.0, base[j] / (baseNeg[j] + EPS)));
        }
        for (EqualizedFocalLoss r : replicas) {
            synchronized (r) {
                if (r.numClasses == 0) {
                    r.numClasses = c;
                }
                r.setState(base, baseNeg, posNeg);
            }
        }
    }

    @Override
    protected Terms compute(INDArray y, INDArray x, INDArray mask, boolean wantGrad, boolean training) {
        ensureState(x.columns());
        double[] gammaJ = focusingFactors();
        double[] wJ = new double[numClasses];
        for (int j = 0; j < numClasses; j++) {
            wJ[j] = gammaJ[j] / gammaB; // weighting factor (EFL eq. 6)
        }
        double z = LossMath.normalizer(LossMath.countPositiveRows(y, mask));
        INDArray[] t = FocalKernel.compute(y, x, alpha, Double.NaN, LossMath.rowVector(gammaJ, x),
                LossMath.rowVector(wJ, x), null, wantGrad);
        INDArray loss = LossMath.applyMask(t[0], mask).divi(z);
        INDArray grad = wantGrad ? LossMath.applyMask(t[1], mask).divi(z) : null;
        return new Terms(loss, grad);
    }

    @Override
    protected void afterTrainingGradient(INDArray y, INDArray gradX, INDArray mask) {
        if (stateFrozen) {
            return;
        }
        // G = |∂S/∂x|, already zero on ignored elements; split by label (reference README, EFL step 3)
        // column sums as a [1, R]·[R, C] product: ND4J's sum(0) over R ≫ C rows is strided and slow
        INDArray g = org.nd4j.linalg.ops.transforms.Transforms.abs(gradX, true);
        INDArray ones = org.nd4j.linalg.factory.Nd4j.ones(g.dataType(), 1, g.rows());
        double[] all = ones.mmul(g).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
        double[] pos = ones.mmul(g.muli(y)).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
        LossMath.release(g, ones);
        double[] neg = new double[all.length];
        for (int j = 0; j < all.length; j++) {
            neg[j] = all[j] - pos[j];
        }
        accumulate(pos, neg, LossMath.countPositiveRows(y, mask));
    }

    @Override
    public String name() {
        return "EqualizedFocalLoss(alpha=" + alpha + ", gammaB=" + gammaB + ", scaleFactor=" + scaleFactor
                + ", numClasses=" + numClasses + ")";
    }

    @Override
    public synchronized boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof EqualizedFocalLoss)) {
            return false;
        }
        EqualizedFocalLoss that = (EqualizedFocalLoss) o;
        return Double.compare(alpha, that.alpha) == 0 && Double.compare(gammaB, that.gammaB) == 0
                && Double.compare(scaleFactor, that.scaleFactor) == 0 && numClasses == that.numClasses
                && stateFrozen == that.stateFrozen && Arrays.equals(posGrad, that.posGrad)
                && Arrays.equals(negGrad, that.negGrad) && Arrays.equals(posNeg, that.posNeg);
    }

    @Override
    public synchronized int hashCode() {
        return Objects.hash(alpha, gammaB, scaleFactor, numClasses, stateFrozen, Arrays.hashCode(posGrad),
                Arrays.hashCode(negGrad), Arrays.hashCode(posNeg));
    }
}
