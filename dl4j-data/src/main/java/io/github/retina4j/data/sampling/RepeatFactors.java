package io.github.retina4j.data.sampling;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.ImageInfo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Repeat factor sampling weights (LVIS paper, Gupta et al. 2019, §4.2; detectron2's
 * {@code RepeatFactorTrainingSampler}): category repeat factor r_c = max(1, sqrt(t / f_c)) where f_c is
 * the fraction of training images that contain category c, and image repeat factor
 * r_i = max over the categories c present in image i of r_c (1 for an image without annotations).
 */
public final class RepeatFactors {
    /** The LVIS paper's threshold t. */
    public static final double DEFAULT_THRESHOLD = 0.001;

    private RepeatFactors() {
    }

    /** r_c = max(1, sqrt(t / f_c)). */
    public static double categoryRepeatFactor(double imageFraction, double threshold) {
        if (!(imageFraction > 0 && imageFraction <= 1)) {
            throw new IllegalArgumentException("image fraction f_c must be in (0, 1], got " + imageFraction);
        }
        if (!(threshold > 0)) {
            throw new IllegalArgumentException("repeat factor threshold t must be > 0, got " + threshold);
        }
        return Math.max(1.0, Math.sqrt(threshold / imageFraction));
    }

    /** r_c for every category that has at least one image, keyed by dataset category id. */
    public static Map<Integer, Double> categoryRepeatFactors(CocoDataset dataset, double threshold) {
        Map<Integer, Integer> imagesPerCategory = new HashMap<>();
        for (ImageInfo im : dataset.images()) {
            dataset.annotationsOf(im.id()).stream().mapToInt(Annotation::categoryId).distinct()
                    .forEach(c -> imagesPerCategory.merge(c, 1, Integer::sum));
        }
        double n = dataset.images().size();
        Map<Integer, Double> out = new HashMap<>();
        imagesPerCategory.forEach((c, k) -> out.put(c, categoryRepeatFactor(k / n, threshold)));
        return out;
    }

    /** r_i for every image, in {@link CocoDataset#images()} order. */
    public static double[] imageRepeatFactors(CocoDataset dataset, double threshold) {
        Map<Integer, Double> rc = categoryRepeatFactors(dataset, threshold);
        List<ImageInfo> images = dataset.images();
        double[] out = new double[images.size()];
        for (int i = 0; i < out.length; i++) {
            double r = 1.0;
            for (Annotation a : dataset.annotationsOf(images.get(i).id())) {
                r = Math.max(r, rc.get(a.categoryId()));
            }
            out[i] = r;
        }
        return out;
    }
}
