package io.github.retina4j.data.reader;

import io.github.retina4j.coco.BadInputPolicy;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.SkipReport;
import io.github.retina4j.data.sampling.ImageSampler;
import io.github.retina4j.data.sampling.SequentialSampler;
import io.github.retina4j.data.sampling.ShuffleSampler;
import io.github.retina4j.data.transform.TransformConfig;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Iterates over {@link DetectionBatch}es of a COCO/LVIS dataset, one epoch at a time, with background
 * prefetch: {@code prefetchThreads} daemon threads decode and transform the next batches while the
 * caller trains on the current one (0 = load synchronously in {@link #next()}).
 *
 * <p>Deterministic: the image order comes from an {@link ImageSampler} (a function of seed and epoch) and
 * every random draw of batch b in epoch e comes from a generator seeded with (seed, e, b), so the
 * batches do not depend on thread scheduling or the number of threads, and {@link #seek} resumes at
 * any (epoch, batch). Images that fail to load fail the iteration (naming path and reason) or are
 * skipped and counted in {@link #skipReport()}, per {@link BadInputPolicy}.
 *
 * <p>No prefetch thread is ever interrupted: the native libraries decoding needs are loaded on the building
 * thread before any worker starts ({@link NativeImageLibraries}), and cancelled batches are discarded, not
 * interrupted, so an interrupt cannot abort a native library load and disable its classes for the JVM.
 */
public final class DetectionBatchIterator implements Iterator<DetectionBatch>, AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DetectionBatchIterator.class);
    /** How long {@link #close()} waits for batches still being loaded; one batch takes well under a second. */
    private static final long CLOSE_WAIT_SECONDS = 60;
    private final DetectionSampleLoader loader;
    private final ImageSampler sampler;
    private final int batchSize;
    private final boolean dropLast;
    private final boolean filterEmpty;
    private final long seed;
    private final int prefetch;
    private final ExecutorService pool;
    private final Deque<Future<DetectionBatch>> pending = new ArrayDeque<>();

    private int epoch;
    private int[] order;
    private int numBatches;
    private int nextToSubmit;
    private int nextToReturn;
    private DetectionBatch ready;

    private DetectionBatchIterator(Builder b) {
        if (b.dataset == null || b.imageRoot == null) {
            throw new IllegalArgumentException("detection iterator needs a dataset and an image root");
        }
        if (b.batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be > 0, got " + b.batchSize);
        }
        if (b.prefetchThreads < 0) {
            throw new IllegalArgumentException("prefetch threads must be >= 0, got " + b.prefetchThreads);
        }
        CategoryMapping mapping = b.mapping != null ? b.mapping : b.dataset.categoryMapping();
        SkipReport report = new SkipReport();
        report.addAll(b.dataset.skipReport());
        this.loader = new DetectionSampleLoader(b.dataset, b.imageRoot, mapping, b.transform, b.policy, report);
        int n = b.dataset.images().size();
        this.sampler = b.sampler != null ? b.sampler : b.shuffle ? new ShuffleSampler(n, b.seed) : new SequentialSampler(n);
        this.batchSize = b.batchSize;
        this.dropLast = b.dropLast;
        this.filterEmpty = b.filterEmpty;
        this.seed = b.seed;
        this.prefetch = b.prefetchThreads;
        NativeImageLibraries.load();
        if (prefetch > 0) {
            AtomicInteger count = new AtomicInteger();
            pool = Executors.newFixedThreadPool(prefetch, r -> {
                Thread t = new Thread(r, "retina4j-prefetch-" + count.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        } else {
            pool = null;
        }
        if (filterEmpty) {
            b.dataset.images().stream().filter(im -> b.dataset.annotationsOf(im.id()).isEmpty())
                    .forEach(im -> report.add("image without annotations (excluded)", "image id " + im.id()));
        }
        startEpoch(0, 0);
    }

    public static Builder builder(CocoDataset dataset, Path imageRoot) {
        return new Builder(dataset, imageRoot);
    }

    /** Options; defaults: batch 2, evaluation transforms, sequential order, 2 prefetch threads, fail policy. */
    public static final class Builder {
        private final CocoDataset dataset;
        private final Path imageRoot;
        private CategoryMapping mapping;
        private TransformConfig transform = TransformConfig.evaluation();
        private int batchSize = 2;
        private ImageSampler sampler;
        private boolean shuffle;
        private long seed = 0;
        private int prefetchThreads = 2;
        private BadInputPolicy policy = BadInputPolicy.FAIL;
        private boolean dropLast;
        private boolean filterEmpty;

        private Builder(CocoDataset dataset, Path imageRoot) {
            this.dataset = dataset;
            this.imageRoot = imageRoot;
        }

        /** Class list (default: the dataset's categories sorted by id); e.g. a model's saved mapping. */
        public Builder mapping(CategoryMapping m) { mapping = m; return this; }
        public Builder transform(TransformConfig t) { transform = t; return this; }
        public Builder batchSize(int n) { batchSize = n; return this; }
        /** Custom image order (repeat factor, class-aware, ...); overrides {@link #shuffle}. */
        public Builder sampler(ImageSampler s) { sampler = s; return this; }
        /** Shuffle every epoch (seeded) when no sampler is set. */
        public Builder shuffle(boolean s) { shuffle = s; return this; }
        public Builder seed(long s) { seed = s; return this; }
        public Builder prefetchThreads(int n) { prefetchThreads = n; return this; }
        public Builder policy(BadInputPolicy p) { policy = p; return this; }
        /** Drop the last incomplete batch of an epoch. */
        public Builder dropLast(boolean d) { dropLast = d; return this; }
        /** Exclude images without annotations (counted in the skip report), as mmdetection does for training. */
        public Builder filterEmpty(boolean f) { filterEmpty = f; return this; }

        public DetectionBatchIterator build() {
            return new DetectionBatchIterator(this);
        }
    }

    private void startEpoch(int e, int batch) {
        cancelPending();
        epoch = e;
        int[] o = sampler.epochOrder(e);
        if (filterEmpty) {
            CocoDataset d = loader.dataset();
            o = Arrays.stream(o).filter(i -> !d.annotationsOf(d.images().get(i).id()).isEmpty()).toArray();
        }
        order = o;
        numBatches = dropLast ? order.length / batchSize : (order.length + batchSize - 1) / batchSize;
        if (batch < 0 || batch > numBatches) {
            throw new IllegalArgumentException("batch " + batch + " out of range 0.." + numBatches + " in epoch " + e);
        }
        nextToSubmit = batch;
        nextToReturn = batch;
        ready = null;
    }

    private void cancelPending() {
        for (Future<DetectionBatch> f : pending) {
            f.cancel(false); // a batch being loaded finishes and is discarded
        }
        pending.clear();
    }

    /** Starts the next epoch (new sampler order). */
    public void reset() {
        startEpoch(epoch + 1, 0);
    }

    /** Positions the iterator at batch {@code batch} of epoch {@code epoch} (resume after a checkpoint). */
    public void seek(int epoch, int batch) {
        startEpoch(epoch, batch);
    }

    /** Current epoch (0-based). */
    public int epoch() {
        return epoch;
    }

    /** Index within the epoch of the batch the next {@link #next()} returns. */
    public int batchIndex() {
        return nextToReturn - (ready != null ? 1 : 0);
    }

    /** Number of batches in the current epoch (before skipped images). */
    public int numBatches() {
        return numBatches;
    }

    public CategoryMapping mapping() {
        return loader.mapping();
    }

    /** What was skipped so far (annotation reader's skips included). */
    public SkipReport skipReport() {
        return loader.report();
    }

    @Override
    public boolean hasNext() {
        while (ready == null && nextToReturn < numBatches) {
            DetectionBatch b = take();
            nextToReturn++;
            ready = b; // null when every image of the batch was skipped
        }
        return ready != null;
    }

    @Override
    public DetectionBatch next() {
        if (!hasNext()) {
            throw new NoSuchElementException("epoch " + epoch + " is exhausted; call reset() for the next one");
        }
        DetectionBatch b = ready;
        ready = null;
        return b;
    }

    private DetectionBatch take() {
        if (pool == null) {
            return loadBatch(order, epoch, nextToReturn);
        }
        while (nextToSubmit < numBatches && pending.size() < prefetch + 1) {
            submitNext();
        }
        Future<DetectionBatch> f = pending.poll();
        try {
            return f.get();
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", ie);
        } catch (ExecutionException ee) {
            Throwable c = ee.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("batch loading failed", c);
        } finally {
            // keep the pipeline full
            while (nextToSubmit < numBatches && pending.size() < prefetch + 1) {
                submitNext();
            }
        }
    }

    private void submitNext() {
        int[] o = order;
        int e = epoch;
        int b = nextToSubmit++;
        pending.add(pool.submit(() -> loadBatch(o, e, b)));
    }

    private DetectionBatch loadBatch(int[] order, int e, int b) {
        Random rng = new Random(seed * 0x9E3779B97F4A7C15L ^ ((long) e << 32) ^ b);
        int from = b * batchSize;
        int to = Math.min(order.length, from + batchSize);
        List<DetectionSample> samples = new ArrayList<>(to - from);
        for (int k = from; k < to; k++) {
            DetectionSample s = loader.load(order[k], rng);
            if (s != null) {
                samples.add(s);
            }
        }
        return samples.isEmpty() ? null : DetectionBatch.collate(samples, loader.config().sizeDivisor());
    }

    /**
     * Stops the prefetch threads without interrupting them: batches not yet started are dropped and the call
     * waits (bounded) for the ones being loaded, so no worker reads the image folder after it returns. Then
     * logs the skip summary (DESIGN §9: nothing disappears silently).
     */
    @Override
    public void close() {
        cancelPending();
        if (pool != null) {
            pool.shutdown();
            try {
                if (!pool.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.warn("detection loader: a prefetch thread is still loading {} s after close; it finishes in the background",
                            CLOSE_WAIT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // stop waiting; the workers finish on their own
            }
        }
        if (skipReport().total() > 0) {
            LOG.warn("detection loader {}", skipReport());
        }
    }
}
