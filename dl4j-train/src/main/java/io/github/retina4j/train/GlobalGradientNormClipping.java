package io.github.retina4j.train;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient clipping by the global L2 norm over all parameters, as PyTorch's
 * {@code clip_grad_norm_(params, max_norm, norm_type=2)} used by mmdetection's
 * {@code optimizer_config = dict(grad_clip=dict(max_norm=35, norm_type=2))}.
 *
 * <p>Hand-written because DL4J's {@code GradientNormalization} only clips per layer or per
 * parameter type, never over the whole network. It runs in {@code onGradientCalculation}, i.e. after
 * back-propagation and before the updater, on DL4J's per-parameter gradient views. DL4J's gradients are
 * still summed over the minibatch at that point (the updater divides by the minibatch size later),
 * so the norm is measured on gradient / N — the gradient of the mean loss that PyTorch clips.
 * L2 weight decay is added later by the updater, as in PyTorch where it is added inside
 * {@code optimizer.step()}.
 *
 * <p>Thread-safe: in data-parallel training every worker calls it on its own replica, and each clips its own gradient;
 * {@link #takeRoundNorm()} reports the round's largest norm. Serializable, so that Spark can send it to executors.
 */
public final class GlobalGradientNormClipping extends BaseTrainingListener implements java.io.Serializable {

    private static final long serialVersionUID = 1L;

    /** mmdet RetinaNet {@code grad_clip=dict(max_norm=35, norm_type=2)}. */
    public static final double MMDET_MAX_NORM = 35.0;
    /** PyTorch's {@code clip_grad_norm_} adds 1e-6 to the norm before dividing. */
    private static final double EPS = 1e-6;

    private final double maxNorm;
    private volatile double lastNorm = Double.NaN;

    private int skippedSteps;
    /* the round since the last takeRoundNorm(): largest finite norm, or a non-finite one if any */
    private double roundNorm = Double.NaN;
    private boolean roundNonFinite;

    public GlobalGradientNormClipping(double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("max gradient norm must be > 0, got " + maxNorm);
        }
        this.maxNorm = maxNorm;
    }

    /** The global norm of the last gradient before clipping (NaN before the first step). */
    public double lastNorm() {
        return lastNorm;
    }

    /** Steps whose gradient was non-finite and was zeroed instead of applied. */
    public synchronized int skippedSteps() {
        return skippedSteps;
    }

    /**
     * The largest gradient norm since the last call (one step, or one round of data-parallel workers): a non-finite
     * value if any worker's gradient was non-finite, NaN if no gradient was seen. Starts a new round.
     */
    public synchronized double takeRoundNorm() {
        double n = roundNorm;
        roundNorm = Double.NaN;
        roundNonFinite = false;
        return n;
    }

    private synchronized void record(double norm) {
        lastNorm = norm;
        if (!Double.isFinite(norm)) {
            skippedSteps++;
            roundNorm = norm;
            roundNonFinite = true;
        } else if (!roundNonFinite) {
            roundNorm = Double.isNaN(roundNorm) ? norm : Math.max(roundNorm, norm);
        }
    }

    @Override
    public void onGradientCalculation(Model model) {
        Gradient gradient = model.gradient();
        if (gradient == null || gradient.gradientForVariable() == null) {
            return;
        }
        // Norm over the per-parameter gradient views, not over the flattened array: with SameDiff vertices
        // DL4J's flattened gradient is longer than the parameters, and its extra part (not parameter gradients)
        // can turn Inf (measured) while the loss and the parameter gradients stay finite.
        double sq = 0;
        for (INDArray g : gradient.gradientForVariable().values()) {
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        double scale = 1.0;
        if (model instanceof ComputationGraph graph && graph.getConfiguration().getDefaultConfiguration().isMiniBatch()) {
            scale = Math.max(1, graph.batchSize());
        }
        double norm = Math.sqrt(sq) / scale;
        record(norm);
        if (!Double.isFinite(norm)) {
            // Skip the update, as PyTorch AMP's GradScaler does for non-finite gradients: zero the gradient so the
            // parameters are not poisoned; the Trainer logs every skipped step and stops after too many in a row.
            for (INDArray g : gradient.gradientForVariable().values()) {
                g.assign(0);
            }
            return;
        }
        double coef = maxNorm / (norm + EPS);
        if (coef < 1.0) {
            for (INDArray g : gradient.gradientForVariable().values()) {
                g.muli(coef);
            }
        }
    }
}
