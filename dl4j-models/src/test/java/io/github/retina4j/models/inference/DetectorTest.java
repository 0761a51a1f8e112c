package io.github.retina4j.models.inference;

import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.PreprocessConfig;

import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.models.io.ModelFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DetectorTest {

    @TempDir
    Path dir;

    /** Random rectangles on a random background, w×h. */
    static BufferedImage picture(long seed, int w, int h) {
        Random rnd = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
        g.fillRect(0, 0, w, h);
        for (int i = 0; i < 6; i++) {
            g.setColor(new Color(rnd.nextInt(256), rnd.nextInt(256), rnd.nextInt(256)));
            g.fillRect(rnd.nextInt(w), rnd.nextInt(h), 5 + rnd.nextInt(w / 2), 5 + rnd.nextInt(h / 2));
        }
        g.dispose();
        return img;
    }

    private static Detector detector(int replicas) {
        return new Detector(TinyDetectionModel.graph(12), TinyDetectionModel.metadata(), replicas);
    }

    @Test
    void detectsOnAnImageWithBoxesInOriginalPixels() {
        try (Detector d = detector(1)) {
            BufferedImage img = picture(1, 150, 90);  // resized ×(64/90) → 107×64, padded 128×64
            ImageDetections res = d.detect(img);
            assertFalse(res.detections().isEmpty(), "the tiny model with threshold 0.01 must detect something");
            assertTrue(res.size() <= 100);
            double prev = Double.POSITIVE_INFINITY;
            for (Detection det : res.detections()) {
                assertTrue(det.x1() >= 0 && det.x2() <= 150 && det.y1() >= 0 && det.y2() <= 90, det.toString());
                assertTrue(det.x1() <= det.x2() && det.y1() <= det.y2(), det.toString());
                assertTrue(det.score() > 0.01 && det.score() <= prev, det.toString());
                assertEquals(TinyDetectionModel.CATEGORIES.toCategoryId(det.classIndex()), det.categoryId());
                prev = det.score();
            }
            assertEquals(150, res.meta().originalWidth());
        }
    }

    @Test
    void fileAndImageGiveTheSameDetections() throws Exception {
        BufferedImage img = picture(2, 100, 70);
        Path png = dir.resolve("img.png");
        ImageIO.write(img, "png", png.toFile());
        try (Detector d = detector(1)) {
            assertEquals(d.detect(img).detections(), d.detect(png).detections());
        }
    }

    @Test
    void severalPostProcessingSettingsFromOnePassEqualSeparateDetectors() throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            files.add(dir.resolve("multi" + i + ".png"));
            ImageIO.write(picture(20 + i, 96, 64), "png", files.get(i).toFile());
        }
        long[] ids = {4, 9};
        PostProcessConfig strict = PostProcessConfig.coco().withScoreThreshold(0.3).withMaxDetectionsPerImage(3);
        try (Detector d = detector(1); Detector other = d.withPostProcessing(strict)) {
            List<List<ImageDetections>> both = d.detect(files, ids, List.of(d.metadata().postprocessing(), strict));
            assertEquals(2, both.size());
            assertEquals(d.detect(files, ids), both.get(0));
            assertEquals(other.detect(files, ids), both.get(1));
            assertNotEquals(both.get(0), both.get(1), "the settings differ, so must the detections");
        }
    }

    @Test
    void loadsFromAModelFile() throws Exception {
        Path model = dir.resolve("tiny.zip");
        ModelFile.save(TinyDetectionModel.graph(12), TinyDetectionModel.metadata(), model, false);
        BufferedImage img = picture(3, 120, 64);
        try (Detector fromFile = Detector.load(model, 1); Detector inMemory = detector(1)) {
            assertEquals(inMemory.detect(img).detections(), fromFile.detect(img).detections());
        }
    }

    @Test
    void concurrentCallersGetTheSameResultsAsASingleThread() throws Exception {
        int images = 6;
        List<BufferedImage> pictures = new ArrayList<>();
        List<List<Detection>> expected = new ArrayList<>();
        try (Detector single = detector(1)) {
            for (int i = 0; i < images; i++) {
                pictures.add(picture(100 + i, 64 + 16 * i, 64 + 8 * (i % 3)));
                expected.add(single.detect(pictures.get(i)).detections());
            }
        }
        int threads = 4;
        try (Detector shared = detector(3)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<Integer>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int offset = t;
                    futures.add(pool.submit(() -> {
                        int checked = 0;
                        for (int r = 0; r < 3 * images; r++) {
                            int i = (r + offset) % images;
                            assertEquals(expected.get(i), shared.detect(pictures.get(i)).detections(),
                                    "image " + i + " on thread " + offset);
                            checked++;
                        }
                        return checked;
                    }));
                }
                for (Future<Integer> f : futures) {
                    assertEquals(3 * images, f.get());
                }
            } finally {
                pool.shutdown(); // never interrupt a detection: it may be loading a native library
            }
            assertTrue(shared.replicasCreated() >= 1 && shared.replicasCreated() <= 3,
                    "replicas " + shared.replicasCreated());
        }
    }

    /** The façade on a real (small, untrained) RetinaNet: output names, anchor count and save/load fit together. */
    @Test
    void worksWithTheRetinaNetBuilderAndItsModelFile() throws Exception {
        var cfg = new io.github.retina4j.models.retinanet.RetinaNetConfig.Builder(3)
                .backbone(new io.github.retina4j.models.backbone.SmallBackboneConfig(new int[] {8, 8, 8, 8, 8}))
                .fpn(new io.github.retina4j.models.fpn.FpnConfig(8, io.github.retina4j.models.fpn.FpnConfig.P6Source.C5))
                .head(new io.github.retina4j.models.heads.HeadConfig(8, 1, 9, 0.1, 0.01))
                .classLoss(new io.github.retina4j.losses.SigmoidFocalLoss()).boxLoss(new io.github.retina4j.losses.L1Loss())
                .build();
        var graph = io.github.retina4j.models.retinanet.RetinaNet.build(cfg);
        var meta = io.github.retina4j.models.io.ModelMetadata.forRetinaNet(TinyDetectionModel.CATEGORIES,
                PreprocessConfig.of(64, 128, 32), io.github.retina4j.data.anchors.AnchorConfig.retinaNet(),
                io.github.retina4j.data.boxes.BoxCoder.mmdetectionDefault());
        Path model = dir.resolve("retinanet.zip");
        ModelFile.save(graph, meta, model, false);
        BufferedImage img = picture(4, 100, 60);
        try (Detector inMemory = new Detector(graph, meta, 1); Detector fromFile = Detector.load(model, 1)) {
            ImageDetections a = inMemory.detect(img);
            // prior π = 0.1 > 0.05: every anchor is a candidate, so NMS and the 100 cap decide
            assertEquals(100, a.size());
            assertEquals(a.detections(), fromFile.detect(img).detections());
        }
        // metadata whose class list does not fit the graph's class head is refused at load time
        Path wrong = dir.resolve("wrong-classes.zip");
        ModelFile.save(graph, io.github.retina4j.models.io.ModelMetadata.forRetinaNet(
                new io.github.retina4j.coco.CategoryMapping(new int[] {1, 2}, new String[] {"x", "y"}),
                meta.preprocessing(), meta.anchors(), meta.boxCoder()), wrong, false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Detector.load(wrong, 1));
        assertTrue(e.getMessage().contains(wrong.toString()) && e.getMessage().contains("predicts 3 classes but its metadata lists 2"),
                e.getMessage());
    }

    @Test
    void tensorInputMustBePaddedNchw() {
        try (Detector d = detector(1)) {
            assertThrows(IllegalArgumentException.class, () -> d.detect(Nd4j.zeros(1, 1, 64, 64)));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.detect(Nd4j.zeros(1, 3, 64, 50)));
            assertTrue(e.getMessage().contains("multiples of the size divisor 32"), e.getMessage());
            assertEquals(2, d.detect(Nd4j.zeros(2, 3, 64, 96)).size());
            // a data-pipeline batch: same result as the preprocessed tensor with its metas
            ImagePreprocessor.Batch b = new ImagePreprocessor(d.metadata().preprocessing()).preprocess(picture(9, 80, 64));
            var batch = new io.github.retina4j.data.reader.DetectionBatch(b.images(), List.of(new float[0]), List.of(new int[0]),
                    List.of(new float[0]), b.metas());
            assertEquals(d.detect(b.images(), b.metas()), d.detect(batch));
        }
    }

    @Test
    void detectsEveryImageOfADatasetWithItsImageIds() throws Exception {
        List<ImageInfo> images = new ArrayList<>();
        List<Category> categories = new ArrayList<>();
        for (int k = 0; k < TinyDetectionModel.CATEGORIES.size(); k++) {
            categories.add(Category.coco(TinyDetectionModel.CATEGORIES.toCategoryId(k), TinyDetectionModel.CATEGORIES.name(k), "shape"));
        }
        long[] ids = {7, 3, 12};
        for (int i = 0; i < ids.length; i++) {
            BufferedImage img = picture(40 + i, 64 + 24 * i, 80);
            ImageIO.write(img, "png", dir.resolve("img" + i + ".png").toFile());
            images.add(ImageInfo.coco(ids[i], "img" + i + ".png", img.getWidth(), img.getHeight()));
        }
        CocoDataset dataset = new CocoDataset(images, List.of(), categories);
        try (Detector d = detector(1)) {
            List<ImageDetections> all = d.detectAll(dataset, dir);
            assertEquals(ids.length, all.size());
            for (int i = 0; i < ids.length; i++) {
                assertEquals(ids[i], all.get(i).imageId());
                assertEquals(d.detect(dir.resolve("img" + i + ".png")).detections(), all.get(i).detections());
            }

            CocoDataset otherClasses = new CocoDataset(images, List.of(), categories.subList(0, 2));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.detectAll(otherClasses, dir));
            assertTrue(e.getMessage().contains("another class list"), e.getMessage());
            Files.delete(dir.resolve("img1.png"));
            e = assertThrows(IllegalArgumentException.class, () -> d.detectAll(dataset, dir));
            assertTrue(e.getMessage().contains("img1.png") && e.getMessage().contains("does not exist"), e.getMessage());
        }
    }

    @Test
    void unreadableImageFilesAreReported() throws Exception {
        Path bad = dir.resolve("not-an-image.png");
        Files.writeString(bad, "hello");
        try (Detector d = detector(1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.detect(bad));
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("cannot be decoded"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> d.detect(dir.resolve("missing.jpg")));
            assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        }
    }
}
