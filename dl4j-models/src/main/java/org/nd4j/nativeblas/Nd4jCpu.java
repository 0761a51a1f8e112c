package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Forwarding shim for DL4J 1.0.0-M2.1's oneDNN probe (a workaround, not an ND4J class).
 *
 * <p>{@code org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper.mklDnnEnabled()} looks up
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment#getInstance()} and {@code #isUseMKLDNN()} by reflection,
 * but in M2.1 the class moved to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment} and the
 * method was renamed {@code isUseONEDNN}. The failed lookup silently disables the oneDNN helpers of every DL4J
 * convolution, pooling and batch-norm layer (4–7× slower, see docs/DESIGN.md §10.1). This class restores the
 * old name and forwards to the new one, again by reflection so that the CUDA backend (which has no such class)
 * simply reports {@code false}. Guarded by {@code io.github.retina4j.models.dl4j.OneDnnSupportTest}.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** Old-name view of the native environment singleton. */
    public static final class Environment {
        private static final String NEW_CLASS = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** @return the native backend's {@code isUseONEDNN()}, or {@code false} when it cannot be asked. */
        public boolean isUseMKLDNN() {
            try {
                Class<?> c = Class.forName(NEW_CLASS);
                Object env = c.getMethod("getInstance").invoke(null);
                Method m = c.getMethod("isUseONEDNN");
                return (Boolean) m.invoke(env);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
