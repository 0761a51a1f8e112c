package io.github.retina4j.losses;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Element access for the scalar fused kernels ({@link FusedFocalKernel}, {@link FusedGumbelKernel}), which read and
 * write an array's native memory through whichever NIO view matches its type: the float view, or else the double one.
 */
final class KernelBuffers {

    private KernelBuffers() {
    }

    static double get(FloatBuffer f, DoubleBuffer d, int i) {
        return f != null ? f.get(i) : d.get(i);
    }

    /**
     * Stores one gradient value. In float, values below the smallest normal float are stored as 0: subnormal floats
     * slow every later operation that reads them on x86, and a saturated network's gradient is full of them (an 80-class
     * ResNet-50 RetinaNet training step ran 3.5× slower with them; DESIGN §3).
     */
    static void put(FloatBuffer f, DoubleBuffer d, int i, double v) {
        if (f != null) {
            float fv = (float) v;
            f.put(i, Math.abs(fv) < Float.MIN_NORMAL ? 0f : fv);
        } else {
            d.put(i, v);
        }
    }

    /** The NIO views of an operand set: the float ones for float data, else the double ones (the others null). */
    record Views(FloatBuffer xf, FloatBuffer yf, FloatBuffer mf, DoubleBuffer xd, DoubleBuffer yd, DoubleBuffer md) {
        static Views of(FusedFocalKernel.Operands o) {
            boolean f = o.isFloat();
            return new Views(f ? o.x.data().asNioFloat() : null, f ? o.y.data().asNioFloat() : null,
                    f && o.m != null ? o.m.data().asNioFloat() : null, f ? null : o.x.data().asNioDouble(),
                    f ? null : o.y.data().asNioDouble(), !f && o.m != null ? o.m.data().asNioDouble() : null);
        }
    }
}
