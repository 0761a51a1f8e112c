package io.github.retina4j.losses;

/**
 * Validation of the focal-loss parameters (Lin et al. 2017, §3.2), shared by {@link SigmoidFocalLoss}
 * and {@link EqualizationFocalLoss}: α ∈ [0, 1], γ ≥ 0.
 */
final class FocalParameters {

    private FocalParameters() {
    }

    /** @param owner class name used in the error message, e.g. {@code "SigmoidFocalLoss"} */
    static void check(String owner, double alpha, double gamma) {
        LossMath.checkUnitInterval(owner + " alpha", alpha);
        LossMath.checkNonNegative(owner + " gamma", gamma);
    }
}
