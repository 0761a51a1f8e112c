package io.github.retina4j.data.reader;

import io.github.retina4j.coco.BadInputPolicy;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.SkipReport;
import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.data.transform.TransformConfig;
import org.datavec.api.conf.Configuration;
import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataIndex;
import org.datavec.api.records.reader.BaseRecordReader;
import org.datavec.api.split.InputSplit;
import org.datavec.api.writable.BooleanWritable;
import org.datavec.api.writable.DoubleWritable;
import org.datavec.api.writable.IntWritable;
import org.datavec.api.writable.LongWritable;
import org.datavec.api.writable.NDArrayWritable;
import org.datavec.api.writable.Writable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Random;

/**
 * A DataVec {@link org.datavec.api.records.reader.RecordReader} over (COCO/LVIS annotation file, image
 * root): one record per image, transformed by the detection pipeline ({@link DetectionSampleLoader}).
 * Record columns ({@link #COLUMNS}):
 * <ol start="0">
 * <li>image {@code [1, 3, h, w]} normalised RGB float (h, w = resized size, unpadded)</li>
 * <li>gt boxes {@code [G, 4]} (x1, y1, x2, y2) float, network-input pixels</li>
 * <li>gt classes {@code [G]} contiguous indices (float)</li>
 * <li>ignore (crowd) boxes {@code [K, 4]} float</li>
 * <li>image id, 5–6 original width/height, 7–8 scale x/y, 9 flipped</li>
 * </ol>
 * For batches of differently sized images use {@link DetectionBatchIterator} (padding + prefetch);
 * this reader serves DataVec/DL4J plumbing and per-record metadata ({@link RecordMetaDataIndex} =
 * image index, reloadable with {@link #loadFromMetaData}). Images skipped under the SKIP policy are
 * counted in {@link #skipReport()}.
 */
public class CocoDetectionRecordReader extends BaseRecordReader {
    private static final long serialVersionUID = 1L;
    /** Column names of a record. */
    public static final List<String> COLUMNS = List.of("image", "boxes", "classes", "ignore_boxes", "image_id",
            "original_width", "original_height", "scale_x", "scale_y", "flipped");

    private final Path imageRoot;
    private final TransformConfig transform;
    private final BadInputPolicy policy;
    private final long seed;
    private CategoryMapping mapping;
    private transient DetectionSampleLoader loader;
    private int position;
    private transient Record lookahead;
    private Configuration conf;

    /** Reader whose annotation file is given later by {@link #initialize(InputSplit)} (first location of the split). */
    public CocoDetectionRecordReader(Path imageRoot, TransformConfig transform, BadInputPolicy policy, long seed) {
        this.imageRoot = imageRoot;
        this.transform = transform;
        this.policy = policy;
        this.seed = seed;
    }

    /** Reader over an already loaded dataset (no {@code initialize} call needed). */
    public CocoDetectionRecordReader(CocoDataset dataset, Path imageRoot, CategoryMapping mapping,
                                     TransformConfig transform, BadInputPolicy policy, long seed) {
        this(imageRoot, transform, policy, seed);
        this.mapping = mapping;
        this.loader = new DetectionSampleLoader(dataset, imageRoot, mapping != null ? mapping : dataset.categoryMapping(),
                transform, policy, copy(dataset.skipReport()));
    }

    private static SkipReport copy(SkipReport r) {
        SkipReport s = new SkipReport();
        s.addAll(r);
        return s;
    }

    @Override
    public void initialize(InputSplit split) {
        URI[] locations = split.locations();
        if (locations == null || locations.length == 0) {
            throw new IllegalArgumentException("input split has no annotation file");
        }
        CocoDataset d = CocoJsonReader.builder().policy(policy).keepSegmentation(false).build()
                .read(Paths.get(locations[0]));
        loader = new DetectionSampleLoader(d, imageRoot, mapping != null ? mapping : d.categoryMapping(), transform,
                policy, copy(d.skipReport()));
        reset();
    }

    @Override
    public void initialize(Configuration conf, InputSplit split) {
        setConf(conf);
        initialize(split);
    }

    private DetectionSampleLoader loader() {
        if (loader == null) {
            throw new IllegalStateException("record reader not initialised: call initialize(split) with the annotation file");
        }
        return loader;
    }

    /** Images skipped so far (and what the annotation reader skipped). */
    public SkipReport skipReport() {
        return loader().report();
    }

    public CocoDataset dataset() {
        return loader().dataset();
    }

    @Override
    public boolean hasNext() {
        int n = loader().dataset().images().size();
        while (lookahead == null && position < n) {
            lookahead = load(position++);
        }
        return lookahead != null;
    }

    @Override
    public List<Writable> next() {
        return nextRecord().getRecord();
    }

    @Override
    public Record nextRecord() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more images");
        }
        Record r = lookahead;
        lookahead = null;
        invokeListeners(r);
        return r;
    }

    /** Loads image {@code index}; random draws seeded by (seed, index) so records are reproducible. */
    private Record load(int index) {
        DetectionSample s = loader().load(index, new Random(seed * 0x9E3779B97F4A7C15L + index));
        if (s == null) {
            return null;
        }
        ImageMeta m = s.meta();
        INDArray image = s.image().reshape(1, 3, m.validHeight(), m.validWidth());
        List<Writable> w = new ArrayList<>(COLUMNS.size());
        w.add(new NDArrayWritable(image));
        w.add(new NDArrayWritable(boxes(s.boxes())));
        float[] cls = new float[s.classes().length];
        for (int i = 0; i < cls.length; i++) {
            cls[i] = s.classes()[i];
        }
        w.add(new NDArrayWritable(cls.length == 0 ? Nd4j.create(DataType.FLOAT, 0) : Nd4j.createFromArray(cls)));
        w.add(new NDArrayWritable(boxes(s.ignoreBoxes())));
        w.add(new LongWritable(m.imageId()));
        w.add(new IntWritable(m.originalWidth()));
        w.add(new IntWritable(m.originalHeight()));
        w.add(new DoubleWritable(m.scaleX()));
        w.add(new DoubleWritable(m.scaleY()));
        w.add(new BooleanWritable(m.flipped()));
        URI uri = loader().imagePath(loader().dataset().images().get(index)).toUri();
        return new org.datavec.api.records.impl.Record(w, new RecordMetaDataIndex(index, uri, CocoDetectionRecordReader.class));
    }

    private static INDArray boxes(float[] packed) {
        return packed.length == 0 ? Nd4j.create(DataType.FLOAT, 0, 4) : Nd4j.createFromArray(packed).reshape(packed.length / 4, 4);
    }

    @Override
    public List<String> getLabels() {
        CategoryMapping m = loader().mapping();
        return Arrays.asList(m.names());
    }

    @Override
    public void reset() {
        position = 0;
        lookahead = null;
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public List<Writable> record(URI uri, DataInputStream dataInputStream) {
        throw new UnsupportedOperationException("a detection record needs its annotations: use next() or loadFromMetaData()");
    }

    @Override
    public Record loadFromMetaData(RecordMetaData meta) {
        if (!(meta instanceof RecordMetaDataIndex idx)) {
            throw new IllegalArgumentException("expected RecordMetaDataIndex, got " + meta);
        }
        Record r = load((int) idx.getIndex());
        if (r == null) {
            throw new IllegalArgumentException("image " + idx.getIndex() + " was skipped: " + skipReport());
        }
        return r;
    }

    @Override
    public List<Record> loadFromMetaData(List<RecordMetaData> list) {
        List<Record> out = new ArrayList<>(list.size());
        for (RecordMetaData m : list) {
            out.add(loadFromMetaData(m));
        }
        return out;
    }

    @Override
    public void close() {
        // nothing held open: files are read per record
    }

    @Override
    public void setConf(Configuration conf) {
        this.conf = conf;
    }

    @Override
    public Configuration getConf() {
        return conf;
    }

    /** Iterates the remaining records' writables. */
    public Iterator<List<Writable>> iterator() {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return CocoDetectionRecordReader.this.hasNext();
            }

            @Override
            public List<Writable> next() {
                return CocoDetectionRecordReader.this.next();
            }
        };
    }
}
