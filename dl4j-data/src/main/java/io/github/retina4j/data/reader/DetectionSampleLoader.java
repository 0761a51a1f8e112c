package io.github.retina4j.data.reader;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.BadInputPolicy;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.coco.SkipReport;
import io.github.retina4j.data.transform.BoxSanitizer;
import io.github.retina4j.data.transform.HorizontalFlip;
import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.data.transform.ImageScale;
import io.github.retina4j.data.transform.KeepRatioResize;
import io.github.retina4j.data.transform.TransformConfig;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.transform.ColorConversionTransform;
import org.datavec.image.transform.FlipImageTransform;
import org.datavec.image.transform.ResizeImageTransform;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Loads one annotated image and applies the detection pipeline: decode with DataVec's
 * {@link NativeImageLoader} (OpenCV; BGR order), convert to RGB, keep-ratio resize, optional
 * horizontal flip (DataVec image transforms), normalise; boxes converted from COCO [x, y, w, h] to
 * (x1, y1, x2, y2), scaled, flipped, clipped, NaN/zero-area boxes dropped and counted, crowd boxes
 * turned into ignore regions. Missing/undecodable images and annotations of classes outside the
 * mapping fail or are skipped and counted according to the {@link BadInputPolicy}. Thread-safe.
 */
public final class DetectionSampleLoader {
    /** Skip-report reasons. */
    public static final String MISSING_IMAGE = "image file not found";
    public static final String UNDECODABLE_IMAGE = "image cannot be decoded";
    public static final String SIZE_MISMATCH = "decoded image size differs from annotation";
    public static final String UNKNOWN_CLASS = "annotation of a category outside the class list";
    public static final String NAN_BOX = "box dropped: NaN or infinite";
    public static final String EMPTY_BOX = "box dropped: zero area after clipping";

    private final CocoDataset dataset;
    private final Path imageRoot;
    private final CategoryMapping mapping;
    private final TransformConfig config;
    private final BadInputPolicy policy;
    private final SkipReport report;
    // NativeImageLoader keeps converters: one per thread.
    private final ThreadLocal<NativeImageLoader> loaders = ThreadLocal.withInitial(NativeImageLoader::new);

    public DetectionSampleLoader(CocoDataset dataset, Path imageRoot, CategoryMapping mapping, TransformConfig config,
                                 BadInputPolicy policy, SkipReport report) {
        this.dataset = dataset;
        this.imageRoot = imageRoot;
        this.mapping = mapping;
        this.config = config;
        this.policy = policy;
        this.report = report;
    }

    public CocoDataset dataset() {
        return dataset;
    }

    public CategoryMapping mapping() {
        return mapping;
    }

    public TransformConfig config() {
        return config;
    }

    public SkipReport report() {
        return report;
    }

    /** The file of an image. */
    public Path imagePath(ImageInfo im) {
        String name = im.resolvedFileName();
        return imageRoot.resolve(name);
    }

    /**
     * Loads image {@code index} of {@link CocoDataset#images()} with the random draws (scale, flip) taken
     * from {@code rng}; returns null when the image is skipped under the SKIP policy.
     */
    public DetectionSample load(int index, Random rng) {
        ImageInfo im = dataset.images().get(index);
        List<ImageScale> scales = config.scales();
        ImageScale scale = scales.size() == 1 ? scales.get(0) : scales.get(rng.nextInt(scales.size()));
        boolean flip = config.flipProbability() > 0 && rng.nextDouble() < config.flipProbability();

        Path path = imagePath(im);
        if (!Files.isRegularFile(path)) {
            return badImage(MISSING_IMAGE, path, im, "no such file", null);
        }
        ImageWritable w;
        try {
            w = loaders.get().asWritable(path.toFile());
        } catch (Exception | UnsatisfiedLinkError e) {
            return badImage(UNDECODABLE_IMAGE, path, im, e.toString(), e);
        }
        if (w == null || w.getFrame() == null || w.getWidth() <= 0 || w.getHeight() <= 0) {
            return badImage(UNDECODABLE_IMAGE, path, im, "decoder returned no pixels", null);
        }
        if (w.getWidth() != im.width() || w.getHeight() != im.height()) {
            return badImage(SIZE_MISMATCH, path, im, "decoded " + w.getWidth() + "x" + w.getHeight()
                    + ", annotation says " + im.width() + "x" + im.height(), null);
        }
        int channels = w.getFrame().imageChannels;
        int code = switch (channels) {
            case 1 -> opencv_imgproc.COLOR_GRAY2RGB;
            case 3 -> opencv_imgproc.COLOR_BGR2RGB;
            case 4 -> opencv_imgproc.COLOR_BGRA2RGB;
            default -> -1;
        };
        if (code < 0) {
            return badImage(UNDECODABLE_IMAGE, path, im, "unsupported channel count " + channels, null);
        }
        w = new ColorConversionTransform(code).transform(w, null);
        KeepRatioResize.Geometry g = KeepRatioResize.geometry(im.width(), im.height(), scale);
        if (g.width() != im.width() || g.height() != im.height()) {
            w = new ResizeImageTransform(g.width(), g.height()).transform(w, null);
        }
        if (flip) {
            w = new FlipImageTransform(1).transform(w, null); // 1 = around the vertical axis (OpenCV flipCode)
        }
        INDArray image;
        try {
            image = loaders.get().asMatrix(w);
        } catch (Exception e) {
            return badImage(UNDECODABLE_IMAGE, path, im, e.toString(), e);
        }
        image = image.reshape(3, g.height(), g.width()).castTo(DataType.FLOAT);
        config.normalizer().normalize(image);

        List<Annotation> anns = dataset.annotationsOf(im.id());
        float[] gt = new float[anns.size() * 4];
        int[] gtIdx = new int[anns.size()];
        float[] crowd = new float[anns.size() * 4];
        int ng = 0;
        int nc = 0;
        for (Annotation a : anns) {
            if (a.iscrowd()) {
                put(crowd, nc++, a);
                continue;
            }
            if (!mapping.contains(a.categoryId())) {
                String detail = "image " + im.id() + " annotation " + a.id() + ": category id " + a.categoryId();
                if (policy == BadInputPolicy.FAIL) {
                    throw new IllegalArgumentException(UNKNOWN_CLASS + ": " + detail + " (" + mapping.size() + " classes)");
                }
                report.add(UNKNOWN_CLASS, detail);
                continue;
            }
            gtIdx[ng] = mapping.toIndex(a.categoryId());
            put(gt, ng++, a);
        }
        float[] boxes = transformBoxes(Arrays.copyOf(gt, 4 * ng), g, flip);
        float[] ignore = transformBoxes(Arrays.copyOf(crowd, 4 * nc), g, flip);
        BoxSanitizer.Result kept = BoxSanitizer.clipAndFilter(boxes, g.width(), g.height());
        countDropped(kept, im);
        int[] classes = new int[kept.count()];
        for (int k = 0; k < classes.length; k++) {
            classes[k] = gtIdx[kept.keptIndices()[k]];
        }
        BoxSanitizer.Result keptIgnore = BoxSanitizer.clipAndFilter(ignore, g.width(), g.height());
        countDropped(keptIgnore, im);
        ImageMeta meta = new ImageMeta(im.id(), im.resolvedFileName(), im.width(), im.height(), g.width(), g.height(),
                g.scaleX(), g.scaleY(), flip);
        return new DetectionSample(image, kept.boxes(), classes, keptIgnore.boxes(), meta);
    }

    private void countDropped(BoxSanitizer.Result r, ImageInfo im) {
        for (int i = 0; i < r.droppedNaN(); i++) {
            report.add(NAN_BOX, "image " + im.id());
        }
        for (int i = 0; i < r.droppedEmpty(); i++) {
            report.add(EMPTY_BOX, "image " + im.id());
        }
    }

    private static void put(float[] packed, int k, Annotation a) {
        packed[4 * k] = (float) a.x();
        packed[4 * k + 1] = (float) a.y();
        packed[4 * k + 2] = (float) a.x2();
        packed[4 * k + 3] = (float) a.y2();
    }

    private static float[] transformBoxes(float[] boxes, KeepRatioResize.Geometry g, boolean flip) {
        KeepRatioResize.scaleBoxes(boxes, g.scaleX(), g.scaleY());
        if (flip) {
            HorizontalFlip.flipBoxes(boxes, g.width());
        }
        return boxes;
    }

    private DetectionSample badImage(String reason, Path path, ImageInfo im, String detail, Throwable cause) {
        String msg = reason + ": " + path + " (image id " + im.id() + "): " + detail;
        if (policy == BadInputPolicy.FAIL) {
            throw new ImageLoadException(msg, cause);
        }
        report.add(reason, path + " (image id " + im.id() + "): " + detail);
        return null;
    }

    /** Convenience for tests and tools: the file of image {@code index}. */
    public File file(int index) {
        return imagePath(dataset.images().get(index)).toFile();
    }
}
