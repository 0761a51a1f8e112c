package io.github.retina4j.data.sampling;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.CocoDataset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Class-aware sampling (Shen et al. 2016, "Relay backpropagation", §3; mmdetection
 * {@code ClassAwareSampler}): each draw first picks a class from a shuffled cycle over all classes that
 * have images, then the next image of that class from a shuffled cycle over its images, so every class
 * is drawn equally often regardless of its frequency. Epoch length defaults to the number of images.
 * Each epoch's order is a pure function of (seed, epoch).
 */
public final class ClassAwareSampler implements ImageSampler {
    private final int[][] imagesPerClass;
    private final int samplesPerEpoch;
    private final long seed;

    /**
     * @param imagesPerClass  for each class (with at least one image), the dataset image indices containing it
     * @param samplesPerEpoch draws per epoch
     */
    public ClassAwareSampler(int[][] imagesPerClass, int samplesPerEpoch, long seed) {
        List<int[]> nonEmpty = new ArrayList<>();
        for (int[] list : imagesPerClass) {
            if (list.length > 0) {
                nonEmpty.add(list.clone());
            }
        }
        if (nonEmpty.isEmpty()) {
            throw new IllegalArgumentException("class-aware sampler: no class has any image");
        }
        if (samplesPerEpoch <= 0) {
            throw new IllegalArgumentException("class-aware sampler: samples per epoch must be > 0, got " + samplesPerEpoch);
        }
        this.imagesPerClass = nonEmpty.toArray(new int[0][]);
        this.samplesPerEpoch = samplesPerEpoch;
        this.seed = seed;
    }

    /** Sampler over a dataset's categories (crowd annotations included), epoch length = number of images. */
    public static ClassAwareSampler of(CocoDataset dataset, long seed) {
        Map<Integer, List<Integer>> byClass = new TreeMap<>();
        for (int i = 0; i < dataset.images().size(); i++) {
            Map<Integer, Boolean> seen = new LinkedHashMap<>();
            for (Annotation a : dataset.annotationsOf(dataset.images().get(i).id())) {
                seen.put(a.categoryId(), true);
            }
            for (int c : seen.keySet()) {
                byClass.computeIfAbsent(c, k -> new ArrayList<>()).add(i);
            }
        }
        int[][] lists = byClass.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray())
                .toArray(int[][]::new);
        return new ClassAwareSampler(lists, dataset.images().size(), seed);
    }

    /** Number of classes that take part (those with images). */
    public int numClasses() {
        return imagesPerClass.length;
    }

    @Override
    public int[] epochOrder(int epoch) {
        SplittableRandom rng = ShuffleSampler.epochRandom(seed, epoch);
        int c = imagesPerClass.length;
        int[] classCycle = new int[c];
        for (int k = 0; k < c; k++) {
            classCycle[k] = k;
        }
        int[][] cycles = new int[c][];
        int[] pos = new int[c];
        int classPos = c; // forces a shuffle on first use
        int[] out = new int[samplesPerEpoch];
        for (int s = 0; s < samplesPerEpoch; s++) {
            if (classPos == c) {
                ShuffleSampler.shuffle(classCycle, rng);
                classPos = 0;
            }
            int k = classCycle[classPos++];
            if (cycles[k] == null || pos[k] == cycles[k].length) {
                cycles[k] = imagesPerClass[k].clone();
                ShuffleSampler.shuffle(cycles[k], rng);
                pos[k] = 0;
            }
            out[s] = cycles[k][pos[k]++];
        }
        return out;
    }
}
