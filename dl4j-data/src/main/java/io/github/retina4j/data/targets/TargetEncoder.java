package io.github.retina4j.data.targets;

import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.anchors.AnchorLayout;
import io.github.retina4j.data.boxes.BoxCoder;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Turns a batch of per-image ground truths into the dense targets of the losses (DESIGN §2–§4): anchors for the padded
 * size ({@link AnchorGenerator}), max-IoU assignment ({@link MaxIoUAssigner}), optional anchor sampling
 * ({@link AnchorSampler}, for the sampled baselines) and box encoding ({@link BoxCoder}).
 *
 * <p>Outputs (float32): class targets {@code [N, C, A]} one-hot (positives only), box targets {@code [N, 4, A]},
 * class mask {@code [N, A]} (1 = used by the classification loss: positive or background, and sampled when a sampler is
 * set), box mask {@code [N, A]} (1 = positive, and sampled). Thread-safe; a sampler draws from the {@link Random} given
 * to {@link #encode(List, int, int, Random)}, or from an internal generator seeded at construction.
 *
 * <p>For training loops, {@link #encodeInto(List, int, int, Random, TargetBuffers)} writes into reused
 * {@link TargetBuffers} and clears only what the previous batch set: allocating a fresh {@code [N, C, A]} array per
 * batch costs more than the assignment itself at COCO sizes ({@code TargetBenchmark}).
 */
public final class TargetEncoder {

    private final AnchorGenerator anchors;
    private final MaxIoUAssigner assigner;
    private final BoxCoder coder;
    private final int numClasses;
    private final AnchorSampler sampler;
    private final Random internalRng;

    /**
     * @param anchors    anchor generator (its config defines the anchor order of the head)
     * @param assigner   anchor assignment
     * @param coder      box coder for the regression targets
     * @param numClasses C, the number of contiguous classes (no background)
     * @param sampler    anchor sampler, or null to use every non-ignored anchor (RetinaNet with focal loss)
     * @param seed       seed of the internal random generator used by {@link #encode(List, int, int)}
     */
    public TargetEncoder(AnchorGenerator anchors, MaxIoUAssigner assigner, BoxCoder coder, int numClasses,
                         AnchorSampler sampler, long seed) {
        if (anchors == null || assigner == null || coder == null) {
            throw new IllegalArgumentException("anchors, assigner and coder must be set");
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException("numClasses must be > 0, got " + numClasses);
        }
        this.anchors = anchors;
        this.assigner = assigner;
        this.coder = coder;
        this.numClasses = numClasses;
        this.sampler = sampler;
        this.internalRng = new Random(seed);
    }

    /** RetinaNet with focal loss: no sampling, torchvision-compatible assignment and coder. */
    public static TargetEncoder retinaNet(AnchorGenerator anchors, int numClasses) {
        return new TargetEncoder(anchors, new MaxIoUAssigner(MaxIoUAssigner.Config.retinaNet()),
                BoxCoder.torchvisionDefault(), numClasses, null, 0L);
    }

    public AnchorGenerator anchorGenerator() {
        return anchors;
    }

    public MaxIoUAssigner assigner() {
        return assigner;
    }

    public BoxCoder boxCoder() {
        return coder;
    }

    public int numClasses() {
        return numClasses;
    }

    /** The anchor sampler, or null when every non-ignored anchor is used. */
    public AnchorSampler sampler() {
        return sampler;
    }

    /** Encodes a batch, drawing samples (if a sampler is set) from the internal seeded generator. */
    public DenseTargets encode(List<GroundTruth> batch, int paddedH, int paddedW) {
        if (sampler == null) {
            return encode(batch, paddedH, paddedW, null);
        }
        synchronized (internalRng) {
            return encode(batch, paddedH, paddedW, internalRng);
        }
    }

    /** As {@link #encode(List, int, int)}, into reused {@code buffers}. */
    public DenseTargets encodeInto(List<GroundTruth> batch, int paddedH, int paddedW, TargetBuffers buffers) {
        if (sampler == null) {
            return encodeInto(batch, paddedH, paddedW, null, buffers);
        }
        synchronized (internalRng) {
            return encodeInto(batch, paddedH, paddedW, internalRng, buffers);
        }
    }

    /**
     * Encodes a batch of N images that share the padded size {@code paddedH × paddedW} into freshly allocated arrays.
     *
     * @param rng source of randomness for the sampler (ignored without one)
     */
    public DenseTargets encode(List<GroundTruth> batch, int paddedH, int paddedW, Random rng) {
        // empty storage: the encode allocates it at exactly the batch's size
        return encodeInto(batch, paddedH, paddedW, rng, new TargetBuffers());
    }

    /**
     * Encodes into reused {@code buffers}, which grow to the largest batch (see {@link TargetBuffers}: the arrays of the
     * previous encode into them are overwritten). {@link #newBuffers} preallocates them for a batch shape.
     *
     * @param rng source of randomness for the sampler (ignored without one)
     */
    public DenseTargets encodeInto(List<GroundTruth> batch, int paddedH, int paddedW, Random rng, TargetBuffers buffers) {
        requireBatch(batch, rng);
        double[] a = anchors.anchorCoordinates(paddedH, paddedW);
        AnchorLayout layout = anchors.layout(paddedH, paddedW);
        int numAnchors = a.length / 4;
        int n = batch.size();
        if (buffers == null) {
            throw new IllegalArgumentException("target buffers must not be null");
        }
        buffers.begin(n, numClasses, numAnchors);
        float[] box = buffers.box;
        float[] clsMask = buffers.clsMask;
        float[] boxMask = buffers.boxMaskValues;
        List<Assignment> assignments = new ArrayList<>(n);
        int numPositive = 0;
        for (int img = 0; img < n; img++) {
            GroundTruth gt = batch.get(img);
            if (gt == null) {
                throw new IllegalArgumentException("ground truth of image " + img + " is null");
            }
            int[] classes = gt.classesInternal();
            for (int g = 0; g < classes.length; g++) {
                if (classes[g] < 0 || classes[g] >= numClasses) {
                    throw new IllegalArgumentException("image " + img + ", gt " + g + ": class index " + classes[g]
                            + " outside 0.." + (numClasses - 1));
                }
            }
            Assignment asg;
            try {
                asg = assigner.assign(layout, a, gt.boxesInternal(), gt.ignoreInternal());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("image " + img + ": " + e.getMessage(), e);
            }
            assignments.add(asg);
            double[] gtBoxes = gt.boxesInternal();
            int maskBase = img * numAnchors;
            int boxBase = img * 4 * numAnchors;
            long clsBase = (long) img * numClasses * numAnchors;
            if (sampler == null) {
                int[] m = asg.matched;
                for (int j = 0; j < numAnchors; j++) {
                    int code = m[j];
                    if (code == Assignment.IGNORED) {
                        continue;
                    }
                    clsMask[maskBase + j] = 1f;
                    if (code >= 0) {
                        numPositive++;
                        markPositive(j, code, classes, gtBoxes, a, buffers, clsBase, numAnchors, box, boxBase, boxMask, maskBase);
                    }
                }
            } else {
                SampledAnchors s = sampler.sample(asg, rng);
                for (int j : s.negatives()) {
                    clsMask[maskBase + j] = 1f;
                }
                for (int j : s.positives()) {
                    clsMask[maskBase + j] = 1f;
                    numPositive++;
                    markPositive(j, asg.matched[j], classes, gtBoxes, a, buffers, clsBase, numAnchors, box, boxBase, boxMask, maskBase);
                }
            }
        }
        return buffers.finish(assignments, numPositive);
    }

    /** Buffers for batches of {@code batchSize} images padded to {@code paddedH × paddedW}. */
    public TargetBuffers newBuffers(int batchSize, int paddedH, int paddedW) {
        return new TargetBuffers(batchSize, numClasses, anchors.anchorCoordinates(paddedH, paddedW).length / 4);
    }

    private void requireBatch(List<GroundTruth> batch, Random rng) {
        if (batch == null || batch.isEmpty()) {
            throw new IllegalArgumentException("batch must contain at least one image");
        }
        if (sampler != null && rng == null) {
            throw new IllegalArgumentException("a sampler is configured: rng must not be null");
        }
    }

    private void markPositive(int j, int g, int[] classes, double[] gtBoxes, double[] a, TargetBuffers buffers, long clsBase,
                              int numAnchors, float[] box, int boxBase, float[] boxMask, int maskBase) {
        buffers.setOne(clsBase + (long) classes[g] * numAnchors + j);
        coder.encode(gtBoxes, g, a, j, box, boxBase + j, numAnchors);
        boxMask[maskBase + j] = 1f;
    }
}
