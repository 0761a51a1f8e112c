package io.github.retina4j.train;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.data.sampling.ClassAwareSampler;
import io.github.retina4j.data.sampling.ImageSampler;
import io.github.retina4j.data.sampling.RepeatFactorSampler;
import io.github.retina4j.data.sampling.RepeatFactors;
import java.util.Locale;

/**
 * Which images an epoch holds (DESIGN §4.5): a seeded shuffle ({@code uniform}), repeat factor sampling ({@code rfs},
 * Gupta 2019 §4.2, threshold t) or class-aware sampling ({@code class-aware}, Shen 2016 §3).
 *
 * @param kind         the sampler
 * @param rfsThreshold t of repeat factor sampling (used by {@code rfs} only)
 */
public record ImageSampling(Kind kind, double rfsThreshold) {

    public enum Kind {
        UNIFORM("uniform"), RFS("rfs"), CLASS_AWARE("class-aware");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public ImageSampling {
        if (kind == null) {
            throw new IllegalArgumentException("image sampling kind is required");
        }
        if (!(rfsThreshold > 0) || Double.isInfinite(rfsThreshold)) {
            throw new IllegalArgumentException("--rfs-threshold must be a finite number > 0, got " + rfsThreshold);
        }
    }

    public static ImageSampling uniform() {
        return new ImageSampling(Kind.UNIFORM, RepeatFactors.DEFAULT_THRESHOLD);
    }

    public static ImageSampling rfs(double threshold) {
        return new ImageSampling(Kind.RFS, threshold);
    }

    public static ImageSampling classAware() {
        return new ImageSampling(Kind.CLASS_AWARE, RepeatFactors.DEFAULT_THRESHOLD);
    }

    /** By name: {@code uniform}, {@code rfs} or {@code class-aware}. */
    public static ImageSampling named(String name, double rfsThreshold) {
        String n = name.toLowerCase(Locale.ROOT);
        for (Kind k : Kind.values()) {
            if (k.label.equals(n)) {
                return new ImageSampling(k, rfsThreshold);
            }
        }
        throw new IllegalArgumentException("--sampler must be uniform, rfs or class-aware, got '" + name + "'");
    }

    /** The sampler over {@code train}, or null for the iterator's own seeded shuffle. */
    public ImageSampler sampler(CocoDataset train, long seed) {
        return switch (kind) {
            case UNIFORM -> null;
            case RFS -> RepeatFactorSampler.of(train, rfsThreshold, seed);
            case CLASS_AWARE -> ClassAwareSampler.of(train, seed);
        };
    }

    @Override
    public String toString() {
        return kind == Kind.RFS ? "rfs(t=" + rfsThreshold + ")" : kind.label;
    }
}
