package io.github.retina4j.eval;

import java.util.Objects;

/**
 * An object-area range of the COCO protocol. Both bounds are inclusive, exactly as pycocotools
 * tests {@code area < min || area > max} to mark an object as outside the range (so an area of
 * exactly 32² belongs to both "small" and "medium").
 *
 * @param label name used in tables and JSON ("all", "small", ...)
 * @param min   smallest area inside the range (inclusive)
 * @param max   largest area inside the range (inclusive)
 */
public record AreaRange(String label, double min, double max) {

    /** pycocotools' upper bound for "all" and "large": {@code 1e5 ** 2}. */
    public static final double UNBOUNDED = 1e5 * 1e5;

    public AreaRange {
        Objects.requireNonNull(label, "label");
        if (!(min <= max)) {
            throw new IllegalArgumentException("area range '" + label + "': min " + min + " > max " + max);
        }
    }

    /** True when an object of this area lies outside the range (pycocotools' test). */
    public boolean excludes(double area) {
        return area < min || area > max;
    }
}
