package io.github.retina4j.losses;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Common plumbing of the Retina4j losses: activation handling, the four {@link ILossFunction}
 * entry points, and the training hook used by stateful losses.
 *
 * <h2>Contract with DL4J (all subclasses)</h2>
 * <ul>
 *   <li>Inputs as {@code RnnLossLayer} passes them: labels and pre-output {@code [R, C]} with
 *       R = N·A (row = n·A + a), masks {@code [R, 1]} (per anchor) or {@code [R, C]} (per element).</li>
 *   <li>{@link #computeScore} returns the DESIGN §3 objective S itself (already normalised by Z, not by
 *       the minibatch size); {@link #computeGradient} returns exactly ∂S/∂preOutput. The
 *       {@code average} flag, which DL4J layers pass as {@code false}, divides by the number of
 *       rows as DL4J's stock losses do.</li>
 *   <li>DL4J then divides the <em>reported</em> score by N ({@code RnnLossLayer.computeScore}) and,
 *       when the network configuration has {@code miniBatch(true)} (the default), the updater divides
 *       the parameter gradients by N as well. To optimise exactly S, build the graph with
 *       {@code .miniBatch(false)}: the updater then applies ∂S/∂θ unchanged (the logged score stays
 *       S/N: multiply by N for display). See {@code package-info} for the full recipe.</li>
 * </ul>
 *
 * <h2>One call per training step</h2>
 * {@link #computeGradientAndScore} evaluates score and gradient in one pass. DL4J's {@code RnnLossLayer} would instead
 * ask for the gradient, then for the score, on fresh copies of the same arrays, which a loss cannot recognise without
 * reading them again; the detectors' output layer ({@code SinglePassLossLayer} in dl4j-models, DESIGN §10.13) makes the
 * one call and keeps the score, so the losses keep no cache.
 */
public abstract class AbstractDenseLoss implements ILossFunction {

    private static final long serialVersionUID = 1L;

    /** Per-element masked, normalised loss and (optionally) its gradient w.r.t. the activations. */
    protected static final class Terms {
        final INDArray loss;
        final INDArray grad;

        Terms(INDArray loss, INDArray grad) {
            this.loss = loss;
            this.grad = grad;
        }
    }

    /** Number of label columns expected for predictions with {@code predCols} columns. */
    protected long labelColumns(long predCols) {
        return predCols;
    }

    /**
     * Computes the masked, normalised per-element loss (summing to S) and, if asked, ∂S/∂x.
     *
     * @param training true only on the training (computeGradient) path
     */
    protected abstract Terms compute(INDArray labels, INDArray x, INDArray mask, boolean wantGrad, boolean training);

    /**
     * Optional single-pass evaluation (score and gradient, state update included) for identity
     * activation; null = use {@link #compute}. Focal, EFL, EQL-focal and IIF-focal use {@link FusedFocalKernel},
     * GOL {@link FusedGumbelKernel}.
     *
     * @param wantScore false when only the gradient is asked for (the score may then be left 0)
     */
    FusedFocalKernel.Result fusedPath(INDArray labels, INDArray x, INDArray mask, boolean wantGrad, boolean wantScore) {
        return null;
    }

    /** Called after a training gradient was computed (EFL updates its statistics here). */
    protected void afterTrainingGradient(INDArray labels, INDArray gradX, INDArray mask) {
    }

    /**
     * Workspace for the per-element temporaries: after the first call their memory is reused instead of
     * allocated and zeroed again (on [240 000, 80] float one fresh array costs more than an in-place op).
     * Thread-local in ND4J; it keeps the largest size seen (≈ 6 arrays of the loss input) per thread.
     */
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.1)
            .policyLearning(LearningPolicy.FIRST_LOOP).policySpill(SpillPolicy.REALLOCATE)
            .policyReset(ResetPolicy.BLOCK_LEFT).build();
    private static final String WORKSPACE_ID = "RETINA4J_LOSS_TEMPORARIES";

    /** What a caller needs out of one evaluation; arrays are moved out of the loss workspace. */
    private static final class Outputs {
        double score;
        INDArray rowScores;
        INDArray grad;
    }

    private Outputs run(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask, boolean wantGrad,
                        boolean wantScore, boolean wantRows) {
        LossMath.checkShapes(name(), labels, preOutput, mask, labelColumns(preOutput.columns()));
        Outputs out = new Outputs();
        if (!wantRows && (fn == null || fn instanceof ActivationIdentity)) {
            FusedFocalKernel.Result r = fusedPath(labels, preOutput, mask, wantGrad, wantScore);
            if (r != null) {
                out.score = r.score;
                out.grad = r.grad;
                return out;
            }
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            INDArray x = LossMath.activate(fn, preOutput);
            INDArray lab = labels.dataType() == x.dataType() ? labels : labels.castTo(x.dataType());
            Terms t = compute(lab, x, mask, wantGrad, wantGrad);
            out.score = t.loss.sumNumber().doubleValue();
            if (wantRows) {
                out.rowScores = t.loss.sum(true, 1).leverage();
            }
            if (wantGrad) {
                afterTrainingGradient(lab, t.grad, mask);
                // into the caller's workspace if it has one (DL4J training), else detached
                out.grad = LossMath.backpropActivation(fn, preOutput, t.grad).leverage();
            }
        }
        return out;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        double s = run(labels, preOutput, activationFn, mask, false, true, false).score;
        return average ? s / preOutput.rows() : s;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return run(labels, preOutput, activationFn, mask, false, true, true).rowScores;
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return run(labels, preOutput, activationFn, mask, true, false, false).grad;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        Outputs o = run(labels, preOutput, activationFn, mask, true, true, false);
        return new Pair<>(average ? o.score / preOutput.rows() : o.score, o.grad);
    }

    @Override
    public String toString() {
        return name();
    }
}
