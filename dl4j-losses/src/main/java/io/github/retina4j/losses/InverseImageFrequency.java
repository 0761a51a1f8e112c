package io.github.retina4j.losses;

import org.apache.commons.math3.special.Erf;

import java.util.Locale;

/**
 * Inverse image frequency weights (Alexandridis et al., "Inverse Image Frequency for Long-tailed Image Recognition",
 * IEEE TIP 2023, arXiv 2209.04861, §3; DESIGN §3.8). With N the number of training images and n_c the
 * images that contain class c, and f_c = n_c / N:
 * <ul>
 *   <li>{@code raw}: ln(N / n_c) (the paper's default);</li>
 *   <li>{@code smooth}: ln((N + 1) / (n_c + 1)) + 1;</li>
 *   <li>{@code rel} (the authors' tables call it {@code prob}): ln((N − n_c) / n_c);</li>
 *   <li>{@code base2}, {@code base10}: log₂(N / n_c), log₁₀(N / n_c);</li>
 *   <li>{@code normit}: −Φ⁻¹(f_c), Φ the standard normal CDF;</li>
 *   <li>{@code gombit}: −ln(−ln(1 − f_c)).</li>
 * </ul>
 * These are the columns of the authors' LVIS weight files ({@code lvis_files/idf_1204.csv}, column {@code img_freq} for
 * n_c) and of their classification code ({@code classification/custom.py}). A class without training images has no
 * finite weight; it is rejected.
 */
public final class InverseImageFrequency {

    /** The variants of the paper, by their names in the authors' code. */
    public enum Variant {
        RAW, SMOOTH, REL, BASE2, BASE10, NORMIT, GOMBIT;

        /** A variant by name, case-insensitive ({@code prob} is {@code rel}). */
        public static Variant named(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if ("prob".equals(n)) {
                return REL;
            }
            for (Variant v : values()) {
                if (v.name().toLowerCase(Locale.ROOT).equals(n)) {
                    return v;
                }
            }
            throw new IllegalArgumentException("unknown IIF variant '" + name
                    + "': expected raw, smooth, rel, base2, base10, normit or gombit");
        }
    }

    private InverseImageFrequency() {
    }

    /**
     * Per-class weights.
     *
     * @param imageCounts n_c, training images containing class c (1 ≤ n_c ≤ N; {@code rel} needs n_c &lt; N)
     * @param numImages   N, training images
     */
    public static double[] weights(Variant variant, int[] imageCounts, int numImages) {
        if (numImages < 1) {
            throw new IllegalArgumentException("IIF: the number of training images must be >= 1, got " + numImages);
        }
        double big = numImages;
        double[] w = new double[imageCounts.length];
        for (int c = 0; c < w.length; c++) {
            int n = imageCounts[c];
            if (n < 1 || n > numImages) {
                throw new IllegalArgumentException("IIF: class " + c + " has " + n + " training images (of " + numImages
                        + "); every class needs between 1 and N images");
            }
            double f = n / big;
            w[c] = switch (variant) {
                case RAW -> Math.log(big / n);
                case SMOOTH -> Math.log((big + 1) / (n + 1)) + 1;
                case REL -> Math.log((big - n) / n);
                case BASE2 -> Math.log(big / n) / Math.log(2);
                case BASE10 -> Math.log10(big / n);
                case NORMIT -> -Math.sqrt(2) * Erf.erfInv(2 * f - 1);
                case GOMBIT -> -Math.log(-Math.log1p(-f));
            };
            if (!Double.isFinite(w[c])) {
                throw new IllegalArgumentException("IIF " + variant.name().toLowerCase(Locale.ROOT) + ": class " + c
                        + " (" + n + " of " + numImages + " images) has no finite weight");
            }
        }
        return w;
    }
}
