package io.github.retina4j.train;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.data.reader.DetectionBatchIterator;
import io.github.retina4j.data.transform.TransformConfig;
import io.github.retina4j.data.targets.TargetEncoder;
import io.github.retina4j.models.retinanet.DetectionTargetIterator;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.nio.file.Path;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * The training {@link MultiDataSetIterator} of a detector: the data module's prefetching
 * {@link DetectionBatchIterator} (keep-ratio resize, flip 0.5, ImageNet normalisation, padding to the
 * model's size divisor; shuffled or repeat-factor sampled, seeded) feeding the models module's
 * {@link DetectionTargetIterator} (dense class/box targets and masks).
 */
public final class TrainingData {

    /** Image-loading threads of the prefetching batch iterator. */
    public static final int PREFETCH_THREADS = 2;

    private TrainingData() {
    }

    /** A closeable {@link MultiDataSetIterator} (closing stops the prefetch threads). */
    public interface CloseableIterator extends MultiDataSetIterator, AutoCloseable {
        @Override
        void close();
    }

    /**
     * @param encoder              training targets (anchors, assignment, coder, sampler), e.g.
     *                             {@link Recipe#targetEncoder(RetinaNetConfig, long)}
     * @param repeatFactorSampling LVIS repeat factor sampling with t = {@code rfsThreshold}, else a seeded shuffle
     */
    public static CloseableIterator iterator(CocoDataset train, Path images, RetinaNetConfig config, TargetEncoder encoder,
                                             int batchSize,
                                             int longEdge, int shortEdge, long seed, boolean repeatFactorSampling,
                                             double rfsThreshold) {
        return iterator(train, images, config, encoder, batchSize, longEdge, shortEdge, seed, repeatFactorSampling,
                rfsThreshold, 1);
    }

    /**
     * As above, for a {@link Trainer} with {@code workers} data-parallel workers (each iteration holds that many batches
     * at once, so their targets cannot share reused storage).
     */
    public static CloseableIterator iterator(CocoDataset train, Path images, RetinaNetConfig config, TargetEncoder encoder,
                                             int batchSize,
                                             int longEdge, int shortEdge, long seed, boolean repeatFactorSampling,
                                             double rfsThreshold, int workers) {
        return iterator(train, images, config, encoder, batchSize, longEdge, shortEdge, seed,
                repeatFactorSampling ? ImageSampling.rfs(rfsThreshold) : ImageSampling.uniform(), workers);
    }

    /** As above, with the epoch's images drawn by {@code sampling} (uniform, repeat factor or class-aware, DESIGN §4.5). */
    public static CloseableIterator iterator(CocoDataset train, Path images, RetinaNetConfig config, TargetEncoder encoder,
                                             int batchSize, int longEdge, int shortEdge, long seed, ImageSampling sampling,
                                             int workers) {
        DetectionBatchIterator.Builder b = DetectionBatchIterator.builder(train, images)
                .transform(TransformConfig.training().withScale(longEdge, shortEdge).withSizeDivisor(config.sizeDivisor()))
                .batchSize(batchSize).shuffle(true).seed(seed).prefetchThreads(PREFETCH_THREADS);
        io.github.retina4j.data.sampling.ImageSampler sampler = sampling.sampler(train, seed);
        if (sampler != null) {
            b.sampler(sampler);
        }
        DetectionBatchIterator batches = b.build();
        // One worker consumes one batch at a time, so the [N, C, A] targets can live in reused storage.
        DetectionTargetIterator targets = new DetectionTargetIterator(batches, encoder, config);
        if (workers == 1) {
            targets.reuseTargetBuffers();
        }
        return new CloseableIterator() {
            @Override public MultiDataSet next(int num) { return targets.next(num); }
            @Override public void setPreProcessor(MultiDataSetPreProcessor p) { targets.setPreProcessor(p); }
            @Override public MultiDataSetPreProcessor getPreProcessor() { return targets.getPreProcessor(); }
            @Override public boolean resetSupported() { return targets.resetSupported(); }
            @Override public boolean asyncSupported() { return targets.asyncSupported(); }
            @Override public void reset() { targets.reset(); }
            @Override public boolean hasNext() { return targets.hasNext(); }
            @Override public MultiDataSet next() { return targets.next(); }
            @Override public void close() { batches.close(); }
        };
    }
}
