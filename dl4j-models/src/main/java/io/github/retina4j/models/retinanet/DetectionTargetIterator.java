package io.github.retina4j.models.retinanet;

import io.github.retina4j.data.reader.DetectionBatch;
import io.github.retina4j.data.reader.DetectionBatchIterator;
import io.github.retina4j.data.targets.DenseTargets;
import io.github.retina4j.data.targets.GroundTruth;
import io.github.retina4j.data.targets.TargetBuffers;
import io.github.retina4j.data.targets.TargetEncoder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Training glue: turns {@link DetectionBatch}es into DL4J {@link MultiDataSet}s for a RetinaNet graph —
 * features {@code [N, 3, H, W]}, labels {@code [class targets [N, C, A], box targets [N, 4, A]]}, label masks
 * {@code [class mask [N, A], box mask [N, A]]} — using the boxes helper's {@link TargetEncoder} (anchors are cached
 * per padded size by its {@code AnchorGenerator}). With a joint loss ({@link RetinaNetConfig#jointLoss()}) the
 * single label is {@code [N, C + 5, A]}: class targets, box targets and a group row that numbers each positive
 * anchor's (image, assigned ground truth) pair uniquely within the batch (−1 elsewhere; PISA's ISR-P ranks positives
 * per ground truth, DESIGN §3.6), with the per-element mask {@code [N, C + 4, A]} (class mask on the first C rows, box
 * mask on the last 4).
 *
 * <p>Checks that every batch is padded to the model's size divisor and that the encoder's class count matches the
 * model.
 *
 * <p>{@link #reuseTargetBuffers()} switches the targets to reused storage ({@link TargetBuffers}) for training loops
 * that consume one batch at a time: then a batch's label arrays stay valid until the second {@code next()} after it,
 * and {@link #asyncSupported()} is false so that DL4J does not queue batches ahead of the consumer.
 */
public final class DetectionTargetIterator implements MultiDataSetIterator {
    private final Source source;
    private final TargetEncoder encoder;
    private final RetinaNetConfig config;
    private Iterator<DetectionBatch> current;
    private MultiDataSetPreProcessor preProcessor;
    /** Reused target storage, used in turn (null: fresh arrays per batch). */
    private TargetBuffers[] reusedTargets;
    private int nextTargets;

    /** Resettable source of batches. */
    private interface Source {
        Iterator<DetectionBatch> restart();
    }

    /** Over a data-loader iterator; {@link #reset()} resets it (next epoch of its sampler). */
    public DetectionTargetIterator(DetectionBatchIterator batches, TargetEncoder encoder, RetinaNetConfig config) {
        this(() -> {
            batches.reset();
            return batches;
        }, batches, encoder, config);
    }

    /** Over an in-memory list of batches (tests, notebooks, overfitting a few images). */
    public DetectionTargetIterator(List<DetectionBatch> batches, TargetEncoder encoder, RetinaNetConfig config) {
        this(() -> List.copyOf(batches).iterator(), List.copyOf(batches).iterator(), encoder, config);
    }

    private DetectionTargetIterator(Source source, Iterator<DetectionBatch> first, TargetEncoder encoder,
                                    RetinaNetConfig config) {
        this.source = source;
        this.current = first;
        this.encoder = Objects.requireNonNull(encoder, "encoder");
        this.config = Objects.requireNonNull(config, "config");
        if (encoder.numClasses() != config.numClasses()) {
            throw new IllegalArgumentException("Target encoder has " + encoder.numClasses() + " classes, model "
                    + config.numClasses());
        }
    }

    /**
     * Writes the targets of successive batches into {@value #REUSED_TARGET_BUFFERS} reused buffers instead of fresh
     * arrays: the {@code [N, C, A]} class targets are then cleared sparsely rather than allocated per batch. A batch's
     * labels are valid until the second {@link #next()} after it; use only with a consumer that does not keep batches.
     */
    public DetectionTargetIterator reuseTargetBuffers() {
        reusedTargets = new TargetBuffers[REUSED_TARGET_BUFFERS];
        for (int i = 0; i < reusedTargets.length; i++) {
            reusedTargets[i] = new TargetBuffers();
        }
        return this;
    }

    /** Two: the batch being trained on stays intact while the next one is encoded. */
    public static final int REUSED_TARGET_BUFFERS = 2;

    /** The RetinaNet encoder (no sampling, torchvision-compatible assignment/coder) for {@code config}'s anchors. */
    public static TargetEncoder retinaNetEncoder(RetinaNetConfig config) {
        return TargetEncoder.retinaNet(new io.github.retina4j.data.anchors.AnchorGenerator(config.anchors()),
                config.numClasses());
    }

    /** Converts one batch (public for callers that drive {@code fit(MultiDataSet)} themselves). */
    public MultiDataSet toMultiDataSet(DetectionBatch batch) {
        int h = batch.paddedHeight();
        int w = batch.paddedWidth();
        config.checkInputSize(h, w);
        List<GroundTruth> gts = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            gts.add(GroundTruth.of(batch.gtBoxes(i), batch.gtClasses(i), batch.ignoreBoxes(i)));
        }
        DenseTargets t;
        if (reusedTargets == null) {
            t = encoder.encode(gts, h, w);
        } else {
            t = encoder.encodeInto(gts, h, w, reusedTargets[nextTargets]);
            nextTargets = (nextTargets + 1) % reusedTargets.length;
        }
        DataType dt = config.dataType();
        INDArray features = batch.images().castTo(dt);
        INDArray[] labels;
        INDArray[] masks;
        if (config.jointLoss() != null) {
            long n = t.classTargets().size(0);
            long a = t.classTargets().size(2);
            long c = t.classTargets().size(1);
            labels = new INDArray[]{Nd4j.concat(1, t.classTargets().castTo(dt), t.boxTargets().castTo(dt),
                    groups(t).castTo(dt))};
            INDArray classMask = t.classMask().reshape(n, 1, a).broadcast(n, c, a);
            INDArray boxMask = t.boxMask().reshape(n, 1, a).broadcast(n, 4, a);
            masks = new INDArray[]{Nd4j.concat(1, classMask, boxMask).castTo(dt)};
        } else {
            labels = new INDArray[]{t.classTargets().castTo(dt), t.boxTargets().castTo(dt)};
            masks = new INDArray[]{t.classMask().castTo(dt), t.boxMask().castTo(dt)};
        }
        MultiDataSet mds = new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{features}, labels, null, masks);
        if (preProcessor != null) {
            preProcessor.preProcess(mds);
        }
        return mds;
    }

    /** {@code [N, 1, A]}: for a positive anchor, its image's gt offset (gt counts of the earlier images) + its gt index. */
    static INDArray groups(DenseTargets t) {
        int n = (int) t.boxMask().size(0);
        int a = (int) t.boxMask().size(1);
        float[] boxMask = t.boxMask().castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] g = new float[n * a];
        int offset = 0;
        for (int i = 0; i < n; i++) {
            io.github.retina4j.data.targets.Assignment asg = t.assignments().get(i);
            for (int j = 0; j < a; j++) {
                int code = asg.matched(j);
                g[i * a + j] = boxMask[i * a + j] > 0 && code >= 0 ? offset + code : -1f;
            }
            offset += asg.numGt();
        }
        return Nd4j.createFromArray(g).reshape('c', n, 1, a);
    }

    @Override
    public MultiDataSet next(int num) {
        throw new UnsupportedOperationException("DetectionTargetIterator: the batch size is set by the batch source");
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        // An asynchronous wrapper would hold several batches at once, which reused target storage does not allow.
        return reusedTargets == null;
    }

    @Override
    public void reset() {
        current = source.restart();
    }

    @Override
    public boolean hasNext() {
        return current.hasNext();
    }

    @Override
    public MultiDataSet next() {
        return toMultiDataSet(current.next());
    }
}
