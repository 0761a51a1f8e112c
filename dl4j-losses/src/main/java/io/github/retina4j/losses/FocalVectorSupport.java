package io.github.retina4j.losses;

/**
 * Whether {@link VectorFocalKernel} and {@link VectorGumbelKernel} can run in this JVM, without touching the incubating
 * Vector API otherwise.
 *
 * <p>{@code jdk.incubator.vector} is not resolved unless the JVM is started with
 * {@code --add-modules jdk.incubator.vector} (and {@code java -jar} cannot add it from the manifest); linking
 * {@link VectorFocalKernel} then fails. This class only asks the boot layer and loads the kernel by name, so a JVM
 * without the module, a CPU with vectors narrower than 256 bits (no AVX2: the Vector API would run lane by lane in
 * Java, far slower than the scalar kernel) or {@code -Dretina4j.losses.vector=false} use the scalar kernel of
 * {@link FusedFocalKernel}, which computes the same formulas (see {@code FusedFocalKernelTest} for how close).
 */
final class FocalVectorSupport {

    /** System property that turns the vector kernel off ({@code false}); on by default where usable. */
    static final String PROPERTY = "retina4j.losses.vector";
    static final String MODULE = "jdk.incubator.vector";
    /** Lanes of the preferred float vector, 0 when the vector kernel is not usable. */
    private static final int LANES = detect();

    private FocalVectorSupport() {
    }

    private static int detect() {
        if (!ModuleLayer.boot().findModule(MODULE).isPresent()) {
            return 0;
        }
        try {
            Class.forName(FocalVectorSupport.class.getPackageName() + ".VectorFocalKernel");
            int lanes = VectorFocalKernel.LANES;
            return lanes >= 8 ? lanes : 0;
        } catch (LinkageError | ClassNotFoundException e) {
            return 0;
        }
    }

    /** Whether the vector kernel exists in this JVM (module resolved, 256-bit or wider vectors). */
    static boolean available() {
        return LANES > 0;
    }

    /** Whether it is on: available and not switched off with {@link #PROPERTY}. */
    static boolean enabled() {
        return LANES > 0 && !"false".equalsIgnoreCase(System.getProperty(PROPERTY));
    }

    /** Float data with at least one vector of classes per row (narrower rows stay scalar, see the kernel). */
    static boolean usable(FusedFocalKernel.Operands o) {
        return o.isFloat() && enabled() && o.c >= LANES;
    }

    static FusedFocalKernel.Result compute(FusedFocalKernel.Operands o, FusedFocalKernel.Spec spec, boolean wantGrad,
                                           boolean wantScore) {
        return VectorFocalKernel.compute(o, spec, wantGrad, wantScore);
    }

    static FusedFocalKernel.Result computeGumbel(FusedFocalKernel.Operands o, FusedGumbelKernel.Clamp clamp,
                                                 boolean wantGrad) {
        return VectorGumbelKernel.compute(o, clamp, wantGrad);
    }
}
