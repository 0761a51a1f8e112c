package io.github.retina4j.models.dl4j;

import org.nd4j.linalg.factory.Nd4j;

/**
 * Turns on the oneDNN helpers of DL4J layers (convolution, pooling, batch norm) in DL4J 1.0.0-M2.1.
 *
 * <p>Two things keep them off by default (DESIGN §10.1): the system property
 * {@value #HELPERS_DISABLE_PROPERTY} defaults to {@code true}, and DL4J probes a class that moved (fixed by the
 * forwarding class {@code org.nd4j.nativeblas.Nd4jCpu$Environment} shipped in this module). DL4J caches the
 * probe's answer on first use, so {@link #enable()} must run before the first layer is instantiated; every
 * builder of this module calls it. Raw ND4J/SameDiff ops use oneDNN without any of this.
 */
public final class OneDnnSupport {
    /** DL4J's switch; "false" allows the platform helpers. */
    public static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";

    private static volatile boolean enabled;

    private OneDnnSupport() {
    }

    /** Idempotent; call before building or restoring a network (all builders here do). */
    public static synchronized void enable() {
        if (enabled) {
            return;
        }
        if (System.getProperty(HELPERS_DISABLE_PROPERTY) == null) {
            System.setProperty(HELPERS_DISABLE_PROPERTY, "false");
        }
        if (!Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE_PROPERTY))) {
            Nd4j.getEnvironment().allowHelpers(true);
        }
        enabled = true;
    }
}
