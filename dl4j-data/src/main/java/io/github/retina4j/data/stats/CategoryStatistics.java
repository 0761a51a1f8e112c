package io.github.retina4j.data.stats;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.Frequency;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.data.sampling.RepeatFactors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-category statistics of a (training) dataset (DESIGN §4): image and instance counts, LVIS
 * rare/common/frequent groups, image fractions f_j (for EQL) and repeat factors r_c, with a text report
 * including a long-tail histogram (the PNG chart is drawn by the report module's {@code LongTailChart}). Used by the CLI's {@code stats} command.
 */
public final class CategoryStatistics {
    /** Width in characters of the longest histogram bar. */
    private static final int BAR_WIDTH = 50;
    /** Up to this many categories, the report lists one bar per category. */
    private static final int MAX_LISTED = 60;

    private final int numImages;
    private final int numAnnotations;
    private final double threshold;
    private final List<CategoryStat> stats;

    private CategoryStatistics(int numImages, int numAnnotations, double threshold, List<CategoryStat> stats) {
        this.numImages = numImages;
        this.numAnnotations = numAnnotations;
        this.threshold = threshold;
        this.stats = List.copyOf(stats);
    }

    /** Statistics with the LVIS repeat-factor threshold t = 0.001. */
    public static CategoryStatistics of(CocoDataset dataset) {
        return of(dataset, RepeatFactors.DEFAULT_THRESHOLD);
    }

    /** Statistics with repeat-factor threshold t. */
    public static CategoryStatistics of(CocoDataset dataset, double threshold) {
        CategoryMapping mapping = dataset.categoryMapping();
        int c = mapping.size();
        int[] images = new int[c];
        int[] instances = new int[c];
        int[] lastImage = new int[c];
        java.util.Arrays.fill(lastImage, -1);
        List<ImageInfo> ims = dataset.images();
        for (int i = 0; i < ims.size(); i++) {
            for (Annotation a : dataset.annotationsOf(ims.get(i).id())) {
                int k = mapping.toIndex(a.categoryId());
                instances[k]++;
                if (lastImage[k] != i) {
                    lastImage[k] = i;
                    images[k]++;
                }
            }
        }
        List<CategoryStat> out = new ArrayList<>(c);
        double n = ims.size();
        for (int k = 0; k < c; k++) {
            Category cat = dataset.category(mapping.toCategoryId(k));
            double f = images[k] / n;
            double r = images[k] == 0 ? 1.0 : RepeatFactors.categoryRepeatFactor(f, threshold);
            out.add(new CategoryStat(k, cat.id(), cat.name(), images[k], instances[k], f,
                    Frequency.ofImageCount(images[k]), cat.frequency(), r));
        }
        return new CategoryStatistics(ims.size(), dataset.annotations().size(), threshold, out);
    }

    /** One entry per category in contiguous index order (ascending category id). */
    public List<CategoryStat> categories() {
        return stats;
    }

    public int numImages() {
        return numImages;
    }

    public int numAnnotations() {
        return numAnnotations;
    }

    /** f_j per contiguous class index (input of the equalization losses). */
    public double[] imageFractions() {
        return stats.stream().mapToDouble(CategoryStat::imageFraction).toArray();
    }

    /** N_j (images per class) per contiguous class index. */
    public int[] imageCounts() {
        return stats.stream().mapToInt(CategoryStat::imageCount).toArray();
    }

    /** r_c per contiguous class index. */
    public double[] repeatFactors() {
        return stats.stream().mapToDouble(CategoryStat::repeatFactor).toArray();
    }

    /** Number of categories per group (from image counts; categories without images count as rare). */
    public Map<Frequency, Integer> groupSizes() {
        Map<Frequency, Integer> m = new EnumMap<>(Frequency.class);
        for (Frequency f : Frequency.values()) {
            m.put(f, 0);
        }
        stats.forEach(s -> m.merge(s.group(), 1, Integer::sum));
        return m;
    }

    /** A text report: totals, groups, a log-bucket long-tail histogram and (for ≤ 60 classes) one bar per class. */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d images, %d annotations, %d categories (%d without images)%n",
                numImages, numAnnotations, stats.size(), stats.stream().filter(s -> s.imageCount() == 0).count()));
        Map<Frequency, Integer> groups = groupSizes();
        for (Frequency f : Frequency.values()) {
            long inst = stats.stream().filter(s -> s.group() == f).mapToLong(CategoryStat::instanceCount).sum();
            sb.append(String.format(Locale.ROOT, "  %-8s (%s) %5d categories, %8d instances%n",
                    f.name().toLowerCase(Locale.ROOT), rangeOf(f), groups.get(f), inst));
        }
        long disagree = stats.stream().filter(s -> s.declared() != null && s.declared() != s.group()).count();
        if (stats.stream().anyMatch(s -> s.declared() != null)) {
            sb.append(String.format(Locale.ROOT, "  declared 'frequency' differs from these counts for %d categories%n", disagree));
        }
        double[] r = repeatFactors();
        sb.append(String.format(Locale.ROOT, "repeat factors (t = %g): max %.3f, %d categories > 1%n", threshold,
                java.util.Arrays.stream(r).max().orElse(1), java.util.Arrays.stream(r).filter(x -> x > 1).count()));

        sb.append("long tail: categories per image-count bucket\n");
        int[] edges = {0, 1, 4, 11, 31, 101, 301, 1001, 3001, 10001, Integer.MAX_VALUE};
        int[] bucket = new int[edges.length - 1];
        for (CategoryStat s : stats) {
            for (int b = 0; b < bucket.length; b++) {
                if (s.imageCount() >= edges[b] && s.imageCount() < edges[b + 1]) {
                    bucket[b]++;
                }
            }
        }
        int maxBucket = java.util.Arrays.stream(bucket).max().orElse(1);
        for (int b = 0; b < bucket.length; b++) {
            if (edges[b] > maxImageCount() && bucket[b] == 0) {
                break;
            }
            String label = edges[b + 1] == Integer.MAX_VALUE ? ">= " + edges[b]
                    : edges[b] == edges[b + 1] - 1 ? String.valueOf(edges[b]) : edges[b] + "-" + (edges[b + 1] - 1);
            sb.append(String.format(Locale.ROOT, "  %11s images | %-" + BAR_WIDTH + "s %d%n", label,
                    bar(bucket[b], maxBucket), bucket[b]));
        }
        if (stats.size() <= MAX_LISTED) {
            sb.append("images per category (sorted):\n");
            int max = Math.max(1, maxImageCount());
            for (CategoryStat s : sorted()) {
                sb.append(String.format(Locale.ROOT, "  %-24s %s | %-" + BAR_WIDTH + "s %d (%d inst, r=%.2f)%n",
                        truncate(s.name(), 24), s.group().code(), bar(s.imageCount(), max), s.imageCount(),
                        s.instanceCount(), s.repeatFactor()));
            }
        }
        return sb.toString();
    }

    private static String rangeOf(Frequency f) {
        return switch (f) {
            case RARE -> "1-" + Frequency.RARE_MAX_IMAGES + " images";
            case COMMON -> (Frequency.RARE_MAX_IMAGES + 1) + "-" + Frequency.COMMON_MAX_IMAGES + " images";
            case FREQUENT -> ">" + Frequency.COMMON_MAX_IMAGES + " images";
        };
    }

    private int maxImageCount() {
        return stats.stream().mapToInt(CategoryStat::imageCount).max().orElse(0);
    }

    /** The categories by image count, most frequent first (the order of the long-tail picture). */
    public List<CategoryStat> sorted() {
        List<CategoryStat> s = new ArrayList<>(stats);
        s.sort(Comparator.comparingInt(CategoryStat::imageCount).reversed().thenComparingInt(CategoryStat::index));
        return s;
    }

    private static String bar(int value, int max) {
        int n = value == 0 ? 0 : Math.max(1, (int) Math.round((double) value * BAR_WIDTH / max));
        return "#".repeat(n);
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    @Override
    public String toString() {
        return report();
    }
}
