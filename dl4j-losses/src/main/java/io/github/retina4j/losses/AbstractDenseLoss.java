package io.github.retina4j.losses;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Common plumbing of the Retina4j losses: activation handling, the four {@link ILossFunction}
 * entry points, and the training hook used by stateful losses.
 *
 * <h2>Contract with DL4J (all subclasses)</h2>
 * <ul>
 *   <li>Inputs as {@code RnnLossLayer} passes them: labels and pre-output {@code [R, C]} with
 *       R = N·A (row = n·A + a), masks {@code [R, 1]} (per anchor) or {@code [R, C]} (per element).</li>
 *   <li>{@link #computeScore} returns the SPEC §3 objective S itself (already normalised by Z, not by
 *       the minibatch size); {@link #computeGradient} returns exactly ∂S/∂preOutput. The
 *       {@code average} flag, which DL4J layers pass as {@code false}, divides by the number of
 *       rows as DL4J's stock losses do.</li>
 *   <li>DL4J then divides the <em>reported</em> score by N ({@code RnnLossLayer.computeScore}) and,
 *       when the network configuration has {@code miniBatch(true)} (the default), the updater divides
 *       the parameter gradients by N as well. To optimise exactly S, build the graph with
 *       {@code .miniBatch(false)}: the updater then applies ∂S/∂θ unchanged (the logged score stays
 *       S/N: multiply by N for display). See {@code package-info} for the full recipe.</li>
 * </ul>
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

    /** Called after a training gradient was computed (EFL updates its statistics here). */
    protected void afterTrainingGradient(INDArray labels, INDArray gradX, INDArray mask) {
    }

    private Terms run(INDArray labels, INDArray preOutput, IActivation fn, INDArray mask, boolean wantGrad) {
        LossMath.checkShapes(name(), labels, preOutput, mask, labelColumns(preOutput.columns()));
        INDArray x = LossMath.activate(fn, preOutput);
        INDArray lab = labels.dataType() == x.dataType() ? labels : labels.castTo(x.dataType());
        Terms t = compute(lab, x, mask, wantGrad, wantGrad);
        if (wantGrad) {
            afterTrainingGradient(lab, t.grad, mask);
            INDArray g = LossMath.backpropActivation(fn, preOutput, t.grad);
            if (g != t.grad) {
                LossMath.release(t.grad);
            }
            return new Terms(t.loss, g);
        }
        return t;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask, boolean average) {
        INDArray loss = run(labels, preOutput, activationFn, mask, false).loss;
        double s = loss.sumNumber().doubleValue();
        LossMath.release(loss);   // per-element temporary: release its off-heap memory now
        return average ? s / preOutput.rows() : s;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return run(labels, preOutput, activationFn, mask, false).loss.sum(true, 1);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        Terms t = run(labels, preOutput, activationFn, mask, true);
        LossMath.release(t.loss);
        return t.grad;
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        Terms t = run(labels, preOutput, activationFn, mask, true);
        double s = t.loss.sumNumber().doubleValue();
        LossMath.release(t.loss);
        return new Pair<>(average ? s / preOutput.rows() : s, t.grad);
    }

    @Override
    public String toString() {
        return name();
    }
}
