package io.github.retina4j.data.anchors;

import java.util.Arrays;

/**
 * Immutable anchor configuration (RetinaNet, Lin et al. 2017, §4 "Anchors").
 *
 * @param strides          stride of each pyramid level, P3 first (8, 16, 32, 64, 128)
 * @param octaveBaseScale  anchor size of a level = stride · octaveBaseScale at the first scale (4: 32² px on P3)
 * @param scalesPerOctave  scales 2^(k/scalesPerOctave), k = 0..scalesPerOctave−1 (3: 2^0, 2^(1/3), 2^(2/3))
 * @param ratios           aspect ratios h/w (0.5, 1, 2)
 * @param convention       whose arithmetic (unrounded formula / torchvision, DESIGN §4.6)
 * @param cellOrder        order of the anchors at one location
 */
public record AnchorConfig(int[] strides, double octaveBaseScale, int scalesPerOctave, double[] ratios,
                           AnchorConvention convention, CellAnchorOrder cellOrder) {

    /** RetinaNet §4: anchors on P3–P7 have strides 2^3..2^7. */
    public static final int[] RETINANET_STRIDES = {8, 16, 32, 64, 128};
    /** RetinaNet §4: areas 32² to 512² on P3–P7, i.e. 4 × stride. */
    public static final double RETINANET_OCTAVE_BASE_SCALE = 4.0;
    /** RetinaNet §4: sizes {2^0, 2^(1/3), 2^(2/3)} per octave. */
    public static final int RETINANET_SCALES_PER_OCTAVE = 3;
    /** RetinaNet §4: aspect ratios {1:2, 1:1, 2:1}. */
    public static final double[] RETINANET_RATIOS = {0.5, 1.0, 2.0};

    public AnchorConfig {
        if (strides == null || strides.length == 0) {
            throw new IllegalArgumentException("strides must not be empty");
        }
        for (int s : strides) {
            if (s <= 0) {
                throw new IllegalArgumentException("strides must be > 0, got " + Arrays.toString(strides));
            }
        }
        if (!(octaveBaseScale > 0)) {
            throw new IllegalArgumentException("octaveBaseScale must be > 0, got " + octaveBaseScale);
        }
        if (scalesPerOctave <= 0) {
            throw new IllegalArgumentException("scalesPerOctave must be > 0, got " + scalesPerOctave);
        }
        if (ratios == null || ratios.length == 0) {
            throw new IllegalArgumentException("ratios must not be empty");
        }
        for (double r : ratios) {
            if (!(r > 0) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("ratios must be finite and > 0, got " + Arrays.toString(ratios));
            }
        }
        if (convention == null || cellOrder == null) {
            throw new IllegalArgumentException("convention and cellOrder must be set");
        }
        strides = strides.clone();
        ratios = ratios.clone();
    }

    /** RetinaNet defaults with the unrounded formula (mmdetection arithmetic, DESIGN §4.6), ratio-major cell anchors. */
    public static AnchorConfig retinaNet() {
        return new AnchorConfig(RETINANET_STRIDES, RETINANET_OCTAVE_BASE_SCALE, RETINANET_SCALES_PER_OCTAVE,
                RETINANET_RATIOS, AnchorConvention.UNROUNDED, CellAnchorOrder.RATIO_MAJOR);
    }

    /** RetinaNet defaults with torchvision's arithmetic (for imported torchvision weights), ratio-major. */
    public static AnchorConfig torchvisionRetinaNet() {
        return new AnchorConfig(RETINANET_STRIDES, RETINANET_OCTAVE_BASE_SCALE, RETINANET_SCALES_PER_OCTAVE,
                RETINANET_RATIOS, AnchorConvention.TORCHVISION, CellAnchorOrder.RATIO_MAJOR);
    }

    @Override
    public int[] strides() {
        return strides.clone();
    }

    @Override
    public double[] ratios() {
        return ratios.clone();
    }

    /** Number of anchors per location (9 for RetinaNet). */
    public int anchorsPerLocation() {
        return ratios.length * scalesPerOctave;
    }

    public int numLevels() {
        return strides.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AnchorConfig c && Arrays.equals(strides, c.strides) && octaveBaseScale == c.octaveBaseScale
                && scalesPerOctave == c.scalesPerOctave && Arrays.equals(ratios, c.ratios) && convention == c.convention
                && cellOrder == c.cellOrder;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(strides) + Arrays.hashCode(ratios)) + convention.hashCode() + 7 * cellOrder.hashCode()
                + Double.hashCode(octaveBaseScale) + scalesPerOctave;
    }

    @Override
    public String toString() {
        return "AnchorConfig{strides=" + Arrays.toString(strides) + ", octaveBaseScale=" + octaveBaseScale
                + ", scalesPerOctave=" + scalesPerOctave + ", ratios=" + Arrays.toString(ratios) + ", convention="
                + convention + ", cellOrder=" + cellOrder + '}';
    }
}
