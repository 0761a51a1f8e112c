package io.github.retina4j.data.targets;

import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.anchors.AnchorLayout;
import io.github.retina4j.data.boxes.BoxCoder;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Turns a batch of per-image ground truths into the dense targets of the losses (SPEC §2–§4): anchors for the padded
 * size ({@link AnchorGenerator}), max-IoU assignment ({@link MaxIoUAssigner}), optional anchor sampling
 * ({@link AnchorSampler}, for the sampled baselines) and box encoding ({@link BoxCoder}).
 *
 * <p>Outputs (float32): class targets {@code [N, C, A]} one-hot (positives only), box targets {@code [N, 4, A]},
 * class mask {@code [N, A]} (1 = used by the classification loss: positive or background, and sampled when a sampler is
 * set), box mask {@code [N, A]} (1 = positive, and sampled). Thread-safe; a sampler draws from the {@link Random} given
 * to {@link #encode(List, int, int, Random)}, or from an internal generator seeded at construction.
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

    /** Encodes a batch, drawing samples (if a sampler is set) from the internal seeded generator. */
    public DenseTargets encode(List<GroundTruth> batch, int paddedH, int paddedW) {
        if (sampler == null) {
            return encode(batch, paddedH, paddedW, null);
        }
        synchronized (internalRng) {
            return encode(batch, paddedH, paddedW, internalRng);
        }
    }

    /**
     * Encodes a batch of N images that share the padded size {@code paddedH × paddedW}.
     *
     * @param rng source of randomness for the sampler (ignored without one)
     */
    public DenseTargets encode(List<GroundTruth> batch, int paddedH, int paddedW, Random rng) {
        if (batch == null || batch.isEmpty()) {
            throw new IllegalArgumentException("batch must contain at least one image");
        }
        if (sampler != null && rng == null) {
            throw new IllegalArgumentException("a sampler is configured: rng must not be null");
        }
        double[] a = anchors.anchorCoordinates(paddedH, paddedW);
        AnchorLayout layout = anchors.layout(paddedH, paddedW);
        int numAnchors = a.length / 4;
        int n = batch.size();
        INDArray cls = Nd4j.zeros(DataType.FLOAT, n, numClasses, numAnchors);
        float[] box = new float[n * 4 * numAnchors];
        float[] clsMask = new float[n * numAnchors];
        float[] boxMask = new float[n * numAnchors];
        DataBuffer clsData = cls.data();
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
                        markPositive(j, code, classes, gtBoxes, a, clsData, clsBase, numAnchors, box, boxBase, boxMask, maskBase);
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
                    markPositive(j, asg.matched[j], classes, gtBoxes, a, clsData, clsBase, numAnchors, box, boxBase, boxMask, maskBase);
                }
            }
        }
        INDArray boxTargets = Nd4j.create(box, new long[] {n, 4, numAnchors}, 'c');
        INDArray clsM = Nd4j.create(clsMask, new long[] {n, numAnchors}, 'c');
        INDArray boxM = Nd4j.create(boxMask, new long[] {n, numAnchors}, 'c');
        return new DenseTargets(cls, boxTargets, clsM, boxM, assignments, numPositive);
    }

    private void markPositive(int j, int g, int[] classes, double[] gtBoxes, double[] a, DataBuffer clsData, long clsBase,
                              int numAnchors, float[] box, int boxBase, float[] boxMask, int maskBase) {
        clsData.put(clsBase + (long) classes[g] * numAnchors + j, 1f);
        coder.encode(gtBoxes, g, a, j, box, boxBase + j, numAnchors);
        boxMask[maskBase + j] = 1f;
    }
}
