package io.github.retina4j.data.synthetic;

/**
 * The geometric shapes of {@code shapes-lt}. Membership is tested in the shape's own unit frame
 * (u, v) ∈ [−1, 1]², i.e. the pixel offset from the centre divided by the half-width / half-height.
 * The silhouettes are chosen so that a small CNN tells them apart (filled vs hollow, curved vs straight).
 */
public enum ShapeKind {
    CIRCLE {
        @Override
        public boolean contains(double u, double v) {
            return u * u + v * v <= 1;
        }
    },
    SQUARE {
        @Override
        public boolean contains(double u, double v) {
            return Math.abs(u) <= 1 && Math.abs(v) <= 1;
        }
    },
    TRIANGLE {
        // apex at the top (v = −1), base at the bottom (v = 1)
        @Override
        public boolean contains(double u, double v) {
            return v >= -1 && v <= 1 && Math.abs(u) <= (v + 1) / 2;
        }
    },
    DIAMOND {
        @Override
        public boolean contains(double u, double v) {
            return Math.abs(u) + Math.abs(v) <= 1;
        }
    },
    CROSS {
        @Override
        public boolean contains(double u, double v) {
            double au = Math.abs(u);
            double av = Math.abs(v);
            return (au <= ARM && av <= 1) || (av <= ARM && au <= 1);
        }
    },
    RING {
        @Override
        public boolean contains(double u, double v) {
            double r2 = u * u + v * v;
            return r2 <= 1 && r2 >= HOLE * HOLE;
        }
    };

    /** Half-width of the cross's arms in unit coordinates. */
    static final double ARM = 0.3;
    /** Inner radius of the ring in unit coordinates. */
    static final double HOLE = 0.55;

    /** True when the unit-frame point (u, v) is inside the silhouette. */
    public abstract boolean contains(double u, double v);

    /** Lower-case name used in category names. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
