package io.github.retina4j.losses;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.SoftPlus;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Shared numerics of the loss library (one place): stable log-sigmoid / softplus forms, mask
 * broadcasting for DL4J's two mask shapes, the positive-anchor count and the normaliser
 * Z = max(1, N_pos) (DESIGN §3).
 *
 * <p>Mask shapes: {@code RnnLossLayer} hands a loss a per-anchor mask as {@code [R, 1]} and a
 * per-element mask as {@code [R, C]} (R = N·A rows). Both are accepted everywhere.
 */
final class LossMath {

    private LossMath() {
    }

    /** Validates labels/pre-output/mask shapes; {@code what} names the loss in the message. */
    static void checkShapes(String what, INDArray labels, INDArray preOutput, INDArray mask, long labelCols) {
        if (labels == null || preOutput == null) {
            throw new IllegalArgumentException(what + ": labels and preOutput must not be null");
        }
        if (preOutput.rank() != 2 || labels.rank() != 2) {
            throw new IllegalArgumentException(what + ": expected 2D [N·A, C] arrays as RnnLossLayer passes them, got labels "
                    + java.util.Arrays.toString(labels.shape()) + " and preOutput " + java.util.Arrays.toString(preOutput.shape()));
        }
        if (labels.rows() != preOutput.rows() || labels.columns() != labelCols) {
            throw new IllegalArgumentException(what + ": label/prediction shape mismatch: labels "
                    + java.util.Arrays.toString(labels.shape()) + " but preOutput " + java.util.Arrays.toString(preOutput.shape())
                    + " (labels must have " + labelCols + " columns)");
        }
        if (mask != null) {
            long mc = mask.rank() == 2 ? mask.columns() : -1;
            if (mask.rank() != 2 || mask.rows() != preOutput.rows() || (mc != 1 && mc != preOutput.columns())) {
                throw new IllegalArgumentException(what + ": mask shape " + java.util.Arrays.toString(mask.shape())
                        + " must be [" + preOutput.rows() + ", 1] or [" + preOutput.rows() + ", " + preOutput.columns() + "]");
            }
        }
    }

    /** Applies the activation (identity in detection heads: returned as is, never modified). */
    static INDArray activate(IActivation fn, INDArray preOutput) {
        if (fn == null || fn instanceof ActivationIdentity) {
            return preOutput;
        }
        return fn.getActivation(preOutput.dup(), true);
    }

    /** Back-propagates dL/d(activation) to dL/d(preOutput); identity returns dLda itself. */
    static INDArray backpropActivation(IActivation fn, INDArray preOutput, INDArray dLda) {
        if (fn == null || fn instanceof ActivationIdentity) {
            return dLda;
        }
        return fn.backprop(preOutput.dup(), dLda).getFirst();
    }

    /** In place: {@code arr *= mask} for a mask of shape [R,1] or [R,C]; no-op for a null mask. */
    static INDArray applyMask(INDArray arr, INDArray mask) {
        if (mask == null) {
            return arr;
        }
        if (mask.columns() == 1 && arr.columns() != 1) {
            return arr.muliColumnVector(mask.castTo(arr.dataType()));
        }
        return arr.muli(mask.castTo(arr.dataType()));
    }

    /**
     * N_pos: rows (anchors) that carry a positive label on a used element, i.e. Σ_c m·y &gt; 0.
     * An ignored anchor with a label does not count (reference README, general conventions).
     */
    static double countPositiveRows(INDArray labels, INDArray mask) {
        INDArray rowSum;
        if (mask != null && mask.columns() != 1) {
            rowSum = labels.mul(mask.castTo(labels.dataType())).sum(1);
        } else {
            rowSum = labels.sum(1);
            if (mask != null) {
                rowSum.muli(mask.castTo(labels.dataType()).reshape(rowSum.shape()));
            }
        }
        return rowSum.gt(0).castTo(labels.dataType()).sumNumber().doubleValue();
    }

    /** Number of used rows: Σ of a per-anchor mask, or rows with any used element; R without a mask. */
    static double countUsedRows(INDArray mask, long rows) {
        if (mask == null) {
            return rows;
        }
        INDArray m = mask.columns() == 1 ? mask : mask.max(1);
        return m.gt(0).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sumNumber().doubleValue();
    }

    /** Z = max(1, count) (DESIGN §3 notation). */
    static double normalizer(double count) {
        return Math.max(1.0, count);
    }

    /**
     * In place: z ← softplus(z) = log(1 + e^z) = relu(z) + log1p(exp(−|z|)), finite for any finite z
     * (ND4J's own softPlus overflows to ∞ above ≈ 89 in float). Needs one temporary.
     * Accuracy: ND4J 1.0.0-M2.1's {@code SoftPlus} (like its {@code Log1p}) evaluates log(1 + u), so where e^{−|z|} is below the
     * data type's epsilon the correction term rounds to 0: the result is exact to one ulp of 1 in absolute
     * terms (≤ 2.3e-16 double, 1.2e-7 float), never NaN/∞ (checked in LossMathTest).
     */
    static INDArray softplusi(INDArray z) {
        // ND4J's SoftPlus op is log(1 + e^u): safe for u = −|z| ≤ 0 (one pass instead of exp + log1p)
        INDArray t = Transforms.abs(z, true).negi();
        Nd4j.exec(new SoftPlus(t, t));
        Transforms.relu(z, false);
        z.addi(t);
        release(t);
        return z;
    }

    /**
     * Releases temporaries' off-heap memory now rather than at GC time (on [240 000, 80] float each is
     * 77 MB). Arrays attached to a DL4J workspace (the loss may run inside one) are left to it.
     */
    static void release(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && !a.wasClosed() && a.closeable()) {
                a.close();
            }
        }
    }

    /** Row vector [1, C] from a double array, in the given array's data type. */
    static INDArray rowVector(double[] v, INDArray like) {
        return Nd4j.createFromArray(v).castTo(like.dataType()).reshape(1, v.length);
    }

    static void checkFinite(String name, double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException(name + " must be finite, got " + v);
        }
    }

    static void checkNonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be a finite value >= 0, got " + v);
        }
    }

    static void checkPositive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(name + " must be a finite value > 0, got " + v);
        }
    }

    static void checkUnitInterval(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must lie in [0, 1], got " + v);
        }
    }
}
