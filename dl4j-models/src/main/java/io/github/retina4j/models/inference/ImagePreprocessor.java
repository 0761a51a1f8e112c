package io.github.retina4j.models.inference;

import io.github.retina4j.data.reader.NativeImageLibraries;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.data.transform.ImageNormalizer;
import io.github.retina4j.data.transform.ImageScale;
import io.github.retina4j.data.transform.KeepRatioResize;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.transform.ColorConversionTransform;
import org.datavec.image.transform.ResizeImageTransform;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns images into a normalised, padded {@code [N, 3, H, W]} batch plus the {@link ImageMeta} needed to
 * map detections back — with the training pipeline's own steps (dl4j-data's {@code DetectionSampleLoader}):
 * DataVec/OpenCV decoding ({@link NativeImageLoader}), BGR → RGB, keep-ratio geometry from
 * {@link KeepRatioResize}, OpenCV bilinear resize ({@link ResizeImageTransform}), {@link ImageNormalizer},
 * then zero padding on the right/bottom to the size divisor; or, for {@link PreprocessConfig.Resize#TORCHVISION},
 * torchvision's order and arithmetic ({@link TorchvisionResize}: normalisation, then a float bilinear resize to the
 * floored size). A {@link BufferedImage} enters the same
 * OpenCV path (its pixels are copied unchanged into a BGR frame), so a file and its decoded image give the
 * same tensor. Thread-safe (one loader per thread, as the data loader does).
 */
public final class ImagePreprocessor {

    private final PreprocessConfig config;
    private final ImageScale scale;
    private final ImageNormalizer normalizer;
    private final ThreadLocal<NativeImageLoader> loaders = ThreadLocal.withInitial(NativeImageLoader::new);

    public ImagePreprocessor(PreprocessConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("preprocess config is required");
        }
        this.config = config;
        this.scale = config.imageScale();
        this.normalizer = config.normalizer();
        // on the constructing thread, so a caller's worker threads never perform (and cannot interrupt) the first load
        NativeImageLibraries.load();
    }

    public PreprocessConfig config() {
        return config;
    }

    /** A batch and the per-image transform metadata. */
    public record Batch(INDArray images, List<ImageMeta> metas) {
    }

    /** Preprocesses one image (image id 0). */
    public Batch preprocess(BufferedImage image) {
        return preprocess(List.of(image), new long[] {0});
    }

    /**
     * Preprocesses several images into one batch padded to the largest resized size.
     *
     * @param images   decoded images (any {@link BufferedImage} type)
     * @param imageIds dataset ids carried into the results
     */
    public Batch preprocess(List<BufferedImage> images, long[] imageIds) {
        checkCounts(images.size(), imageIds.length);
        List<INDArray> resized = new ArrayList<>();
        List<ImageMeta> metas = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            BufferedImage img = images.get(i);
            if (img == null || img.getWidth() <= 0 || img.getHeight() <= 0) {
                throw new IllegalArgumentException("image " + i + " (id " + imageIds[i] + ") is empty or null");
            }
            transform(toWritable(img), imageIds[i], null, resized, metas);
        }
        return collate(resized, metas);
    }

    /** Reads image files with the training decoder (OpenCV) and preprocesses them into one batch. */
    public Batch preprocessFiles(List<Path> files, long[] imageIds) {
        checkCounts(files.size(), imageIds.length);
        List<INDArray> resized = new ArrayList<>();
        List<ImageMeta> metas = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("image file " + file + " does not exist or is not a file");
            }
            ImageWritable w;
            try {
                w = loaders.get().asWritable(file.toFile());
            } catch (Exception | UnsatisfiedLinkError e) {
                throw new IllegalArgumentException("image file " + file + " cannot be decoded: " + e, e);
            }
            if (w == null || w.getFrame() == null || w.getWidth() <= 0 || w.getHeight() <= 0) {
                throw new IllegalArgumentException("image file " + file + " cannot be decoded: no pixels");
            }
            transform(w, imageIds[i], file.getFileName().toString(), resized, metas);
        }
        return collate(resized, metas);
    }

    private void transform(ImageWritable w, long imageId, String fileName, List<INDArray> out, List<ImageMeta> metas) {
        int channels = w.getFrame().imageChannels;
        int code = switch (channels) {
            case 1 -> opencv_imgproc.COLOR_GRAY2RGB;
            case 3 -> opencv_imgproc.COLOR_BGR2RGB;
            case 4 -> opencv_imgproc.COLOR_BGRA2RGB;
            default -> throw new IllegalArgumentException("image " + (fileName == null ? imageId : fileName)
                    + ": unsupported channel count " + channels);
        };
        int width = w.getWidth(), height = w.getHeight();
        w = new ColorConversionTransform(code).transform(w, null);
        boolean torchvision = config.resize() == PreprocessConfig.Resize.TORCHVISION;
        KeepRatioResize.Geometry g = torchvision ? TorchvisionResize.geometry(width, height, config.minSize(), config.maxSize())
                : KeepRatioResize.geometry(width, height, scale);
        boolean resize = g.width() != width || g.height() != height;
        if (resize && !torchvision) {
            w = new ResizeImageTransform(g.width(), g.height()).transform(w, null);
        }
        INDArray image;
        try {
            image = loaders.get().asMatrix(w);
        } catch (Exception e) {
            throw new IllegalArgumentException("image " + (fileName == null ? imageId : fileName) + " cannot be converted: " + e, e);
        }
        int h = torchvision ? height : g.height();
        int wd = torchvision ? width : g.width();
        image = image.reshape(3, h, wd).castTo(DataType.FLOAT);
        normalizer.normalize(image);
        if (resize && torchvision) {
            // torchvision normalises first and resamples the float image (GeneralizedRCNNTransform.forward)
            float[] resized = TorchvisionResize.bilinear(image.dup('c').data().asFloat(), 3, height, width, g.height(), g.width());
            image = Nd4j.create(resized, new long[] {3, g.height(), g.width()}, 'c');
        }
        out.add(image);
        metas.add(new ImageMeta(imageId, fileName, width, height, g.width(), g.height(), g.scaleX(), g.scaleY(), false));
    }

    private Batch collate(List<INDArray> images, List<ImageMeta> metas) {
        int maxH = 0, maxW = 0;
        for (ImageMeta m : metas) {
            maxH = Math.max(maxH, m.validHeight());
            maxW = Math.max(maxW, m.validWidth());
        }
        INDArray batch = Nd4j.zeros(DataType.FLOAT, images.size(), 3, config.padded(maxH), config.padded(maxW));
        for (int i = 0; i < images.size(); i++) {
            ImageMeta m = metas.get(i);
            batch.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.interval(0, m.validHeight()),
                    NDArrayIndex.interval(0, m.validWidth())).assign(images.get(i));
        }
        return new Batch(batch, List.copyOf(metas));
    }

    /** Copies the pixels unchanged into an 8-bit BGR image, OpenCV's layout, and wraps it as a DataVec image. */
    static ImageWritable toWritable(BufferedImage img) {
        BufferedImage bgr = img;
        if (img.getType() != BufferedImage.TYPE_3BYTE_BGR) {
            bgr = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = bgr.createGraphics();
            try {
                g.drawImage(img, 0, 0, null);
            } finally {
                g.dispose();
            }
        }
        try (Java2DFrameConverter converter = new Java2DFrameConverter()) {
            Frame frame = converter.convert(bgr);
            return new ImageWritable(frame.clone());
        }
    }

    private static void checkCounts(int images, int ids) {
        if (images == 0) {
            throw new IllegalArgumentException("no images to preprocess");
        }
        if (images != ids) {
            throw new IllegalArgumentException(images + " images but " + ids + " image ids");
        }
    }
}
