package io.github.retina4j.models.inference;

import io.github.retina4j.models.io.PostProcessConfig;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.reader.DetectionBatch;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The detector façade (DESIGN §6): load a model file, detect on a {@link BufferedImage}, an image file or a
 * preprocessed {@code [N, 3, H, W]} tensor, get boxes in original image pixels with dataset category
 * ids and scores.
 *
 * <p><b>Thread safety.</b> DL4J's {@code ComputationGraph.output} is not safe for concurrent callers
 * (layers keep their input/activations in fields). The detector keeps a pool of at most
 * {@code replicas} graphs: the loaded one plus clones created on demand when callers overlap. A caller
 * borrows a replica for its forward pass and returns it, so concurrent calls never share a graph and
 * never wait for each other while a replica is free. Each replica costs one copy of the parameters
 * (about 150 MB for ResNet-50-FPN RetinaNet); with 2 cores, 2 replicas already keep both busy because
 * ND4J parallelises each convolution itself. Preprocessing, anchors (cached per padded size by the
 * {@link AnchorGenerator}) and post-processing are stateless.
 *
 * <pre>{@code
 * try (Detector detector = Detector.load(Path.of("model.zip"))) {
 *     ImageDetections result = detector.detect(Path.of("street.jpg"));
 *     for (Detection d : result.detections()) {
 *         System.out.println(d.categoryName() + " " + d.score() + " " + d.x1() + "," + d.y1() + "," + d.x2() + "," + d.y2());
 *     }
 * }
 * }</pre>
 */
public final class Detector implements AutoCloseable {

    /** Default replica count: one per core, the most that can compute at once. */
    public static final int DEFAULT_REPLICAS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private final ModelMetadata metadata;
    private final ImagePreprocessor preprocessor;
    private final DetectionPostProcessor postProcessor;
    private final AnchorGenerator anchorGenerator;
    private final ComputationGraph prototype;
    private final BlockingQueue<ComputationGraph> idle;
    private final AtomicInteger created = new AtomicInteger(1);
    private final int maxReplicas;
    private final int classOutputIndex;
    private final int boxOutputIndex;
    /** The graph takes its input as [N, H, W, 3] ({@link ChannelsLastInference}). */
    private final boolean channelsLast;

    /**
     * A detector on an inference copy of {@code graph}: frozen batch norms folded into the convolutions
     * ({@link BatchNormFolding}), convolutions on channels-last activations ({@link ChannelsLastInference}); the graph
     * itself is left as it is. A graph that neither changes is used as it is: it becomes replica 0, do not use it
     * elsewhere meanwhile.
     *
     * @param graph    the trained graph
     * @param metadata its metadata
     * @param replicas maximum number of graph copies used by concurrent callers (≥ 1)
     */
    public Detector(ComputationGraph graph, ModelMetadata metadata, int replicas) {
        this(graph, metadata, replicas, true);
    }

    /**
     * @param inferenceCopy false: run {@code graph} itself, the training graph's arithmetic (outputs differ from the
     *                      inference copy's by float32 round-off)
     */
    public Detector(ComputationGraph graph, ModelMetadata metadata, int replicas, boolean inferenceCopy) {
        this(prepare(graph, inferenceCopy), metadata, replicas);
    }

    /** The graph a detector runs, and whether it takes channels-last input. */
    private record Prepared(ComputationGraph graph, boolean channelsLast) {
    }

    private static Prepared prepare(ComputationGraph graph, boolean inferenceCopy) {
        if (graph == null || !inferenceCopy) {
            return new Prepared(graph, false);
        }
        ComputationGraph folded = BatchNormFolding.fold(graph);
        ComputationGraph channelsLast = ChannelsLastInference.convert(folded);
        return channelsLast != null ? new Prepared(channelsLast, true) : new Prepared(folded, false);
    }

    private Detector(Prepared prepared, ModelMetadata metadata, int replicas) {
        ComputationGraph graph = prepared.graph();
        if (graph == null || metadata == null) {
            throw new IllegalArgumentException("graph and metadata are required");
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("replicas must be ≥ 1, got " + replicas);
        }
        List<String> outputs = graph.getConfiguration().getNetworkOutputs();
        classOutputIndex = outputs.indexOf(metadata.classOutput());
        boxOutputIndex = outputs.indexOf(metadata.boxOutput());
        if (classOutputIndex < 0 || boxOutputIndex < 0) {
            throw new IllegalArgumentException("graph outputs " + outputs + " do not contain the metadata's outputs '"
                    + metadata.classOutput() + "' and '" + metadata.boxOutput() + "'");
        }
        this.metadata = metadata;
        this.preprocessor = new ImagePreprocessor(metadata.preprocessing());
        this.postProcessor = new DetectionPostProcessor(metadata.postprocessing(), metadata.boxCoder(), metadata.categories(),
                metadata.scoring());
        this.anchorGenerator = new AnchorGenerator(metadata.anchors());
        this.channelsLast = prepared.channelsLast();
        this.prototype = graph;
        this.maxReplicas = replicas;
        this.idle = new ArrayBlockingQueue<>(replicas);
        idle.add(prototype);
    }

    /** Loads a model file written by {@link ModelFile#save} with {@link #DEFAULT_REPLICAS} replicas. */
    public static Detector load(Path modelFile) {
        return load(modelFile, DEFAULT_REPLICAS);
    }

    /** Loads a model file with at most {@code replicas} concurrent graph copies. */
    public static Detector load(Path modelFile, int replicas) {
        ModelFile.Loaded loaded = ModelFile.load(modelFile, false);
        return new Detector(loaded.graph(), loaded.metadata(), replicas);
    }

    /** Same graph replicas and model, other post-processing settings (e.g. {@link PostProcessConfig#lvis()}). */
    public Detector withPostProcessing(PostProcessConfig config) {
        ComputationGraph g = borrow();
        try {
            return new Detector(new Prepared(g.clone(), channelsLast), metadata.withPostprocessing(config), maxReplicas);
        } finally {
            idle.add(g);
        }
    }

    /** Same graph replicas and model, other class scoring (e.g. NorCal switched on, DESIGN §6.6). */
    public Detector withScoring(io.github.retina4j.models.io.ClassScoring scoring) {
        ComputationGraph g = borrow();
        try {
            return new Detector(new Prepared(g.clone(), channelsLast), metadata.withScoring(scoring), maxReplicas);
        } finally {
            idle.add(g);
        }
    }

    public ModelMetadata metadata() {
        return metadata;
    }

    /** Detects objects in one image. */
    public ImageDetections detect(BufferedImage image) {
        return detectImages(List.of(image), new long[] {0}).get(0);
    }

    /** Detects objects in several images run as one batch (padded to the largest). */
    public List<ImageDetections> detectImages(List<BufferedImage> images, long[] imageIds) {
        ImagePreprocessor.Batch batch = preprocessor.preprocess(images, imageIds);
        return detect(batch.images(), batch.metas());
    }

    /** Reads an image file with the training decoder (DataVec/OpenCV) and detects objects in it. */
    public ImageDetections detect(Path imageFile) {
        return detect(List.of(imageFile), new long[] {0}).get(0);
    }

    /** Reads several image files and detects objects in them as one batch. */
    public List<ImageDetections> detect(List<Path> imageFiles, long[] imageIds) {
        ImagePreprocessor.Batch batch = preprocessor.preprocessFiles(imageFiles, imageIds);
        return detect(batch.images(), batch.metas());
    }

    /**
     * Detects objects in every image of a dataset, one image at a time in the dataset's order, reading each file from
     * {@code imageRoot}. The detections carry the dataset's image ids, so {@link ImageDetections#toResults(List)} gives
     * the results the COCO/LVIS evaluators take.
     *
     * @throws IllegalArgumentException if the model was trained on another class list than the dataset's, or an image
     *                                  file is missing or cannot be decoded (the message names it)
     */
    public List<ImageDetections> detectAll(CocoDataset dataset, Path imageRoot) {
        if (!metadata.categories().equals(dataset.categoryMapping())) {
            throw new IllegalArgumentException("the model was trained on another class list (" + metadata.categories().size()
                    + " classes) than the dataset has (" + dataset.categoryMapping().size() + " classes): "
                    + metadata.categories() + " vs " + dataset.categoryMapping());
        }
        List<ImageDetections> out = new ArrayList<>(dataset.images().size());
        for (ImageInfo image : dataset.images()) {
            out.add(detect(List.of(imageRoot.resolve(image.resolvedFileName())), new long[] {image.id()}).get(0));
        }
        return out;
    }

    /**
     * Detects on an already preprocessed batch {@code [N, 3, H, W]} (normalised, padded to the divisor);
     * boxes are returned in input pixels.
     */
    public List<ImageDetections> detect(INDArray input) {
        checkInput(input);
        List<ImageMeta> metas = new ArrayList<>();
        for (int i = 0; i < input.size(0); i++) {
            metas.add(DetectionPostProcessor.identityMeta(i, (int) input.size(3), (int) input.size(2)));
        }
        return detect(input, metas);
    }

    /**
     * Detects on a batch of the data pipeline (e.g. an evaluation iterator built with
     * {@code metadata().preprocessing().toTransformConfig()}); boxes in original image pixels.
     */
    public List<ImageDetections> detect(DetectionBatch batch) {
        return detect(batch.images(), batch.metas());
    }

    /** Detects on a preprocessed batch, mapping boxes back with the given per-image metadata. */
    public List<ImageDetections> detect(INDArray input, List<ImageMeta> metas) {
        checkInput(input);
        INDArray[] out = forward(input.castTo(DataType.FLOAT));
        return postProcessor.process(classLogits(out), boxDeltas(out), anchorGenerator, (int) input.size(2),
                (int) input.size(3), metas);
    }

    /**
     * Reads image files and detects objects in them as one batch under several post-processing settings (e.g. the
     * COCO and the LVIS protocol) from one forward pass: element k holds the detections under {@code settings.get(k)},
     * each as {@link #withPostProcessing} would give them.
     */
    public List<List<ImageDetections>> detect(List<Path> imageFiles, long[] imageIds, List<PostProcessConfig> settings) {
        ImagePreprocessor.Batch batch = preprocessor.preprocessFiles(imageFiles, imageIds);
        INDArray input = batch.images();
        checkInput(input);
        INDArray[] out = forward(input.castTo(DataType.FLOAT));
        INDArray logits = classLogits(out);
        INDArray deltas = boxDeltas(out);
        List<List<ImageDetections>> result = new ArrayList<>(settings.size());
        for (PostProcessConfig config : settings) {
            DetectionPostProcessor p = new DetectionPostProcessor(config, metadata.boxCoder(), metadata.categories(),
                    metadata.scoring());
            result.add(p.process(logits, deltas, anchorGenerator, (int) input.size(2), (int) input.size(3), batch.metas()));
        }
        return result;
    }

    /**
     * The class logits {@code [N, C, A]} of the graph outputs. With one joint output {@code [N, C + 4, A]} (a joint loss
     * such as PISA's, DESIGN §3.6) they are its first C rows.
     */
    private INDArray classLogits(INDArray[] out) {
        return classOutputIndex == boxOutputIndex ? jointRows(out[classOutputIndex], 0, classes()) : out[classOutputIndex];
    }

    /** The box deltas {@code [N, 4, A]}: the joint output's last 4 rows, or the box output. */
    private INDArray boxDeltas(INDArray[] out) {
        return classOutputIndex == boxOutputIndex ? jointRows(out[boxOutputIndex], classes(), classes() + 4)
                : out[boxOutputIndex];
    }

    private long classes() {
        return metadata.categories().size();
    }

    private INDArray jointRows(INDArray joint, long from, long to) {
        if (joint.size(1) != classes() + 4) {
            throw new IllegalStateException("joint output '" + metadata.classOutput() + "' has " + joint.size(1)
                    + " rows, expected " + classes() + " classes + 4 deltas");
        }
        return joint.get(NDArrayIndex.all(), NDArrayIndex.interval(from, to), NDArrayIndex.all()).dup('c');
    }

    /** The raw graph outputs for a preprocessed batch {@code [N, 3, H, W]} (thread-safe, through a replica). */
    public INDArray[] forward(INDArray input) {
        INDArray x = channelsLast ? input.permute(0, 2, 3, 1).dup('c') : input;
        ComputationGraph g = borrow();
        try {
            return g.output(false, x);
        } finally {
            idle.add(g);
        }
    }

    /** Takes an idle replica, creating one if the pool is not full, else waits for one. */
    private ComputationGraph borrow() {
        ComputationGraph g = idle.poll();
        if (g != null) {
            return g;
        }
        while (true) {
            int n = created.get();
            if (n >= maxReplicas) {
                break;
            }
            if (created.compareAndSet(n, n + 1)) {
                synchronized (prototype) {
                    // cloning reads the prototype's parameters, which no forward pass modifies
                    return prototype.clone();
                }
            }
        }
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a free model replica", e);
        }
    }

    /** Number of graph replicas created so far (1 ≤ n ≤ replicas). */
    public int replicasCreated() {
        return created.get();
    }

    private void checkInput(INDArray input) {
        if (input == null || input.rank() != 4 || input.size(1) != 3) {
            throw new IllegalArgumentException("input must be [N, 3, H, W], got "
                    + (input == null ? "null" : java.util.Arrays.toString(input.shape())));
        }
        int d = metadata.preprocessing().sizeDivisor();
        if (input.size(2) % d != 0 || input.size(3) % d != 0) {
            throw new IllegalArgumentException("input height and width must be multiples of the size divisor " + d
                    + ", got " + input.size(2) + "x" + input.size(3));
        }
    }

    @Override
    public void close() {
        idle.clear();
    }
}
