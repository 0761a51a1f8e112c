package io.github.retina4j.data.reader;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.BadInputPolicy;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.data.synthetic.ShapeInstance;
import io.github.retina4j.data.synthetic.ShapeScene;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.data.synthetic.Split;
import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.data.transform.ImageScale;
import io.github.retina4j.data.transform.TransformConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

/** A generated shapes-lt split through the sample loader and the prefetching batch iterator. */
class DetectionBatchIteratorTest {
    @TempDir
    static Path tmp;
    static ShapesLtGenerator gen;
    static ShapesLtFiles files;
    static CocoDataset train;

    @BeforeAll
    static void generate() {
        gen = new ShapesLtGenerator(ShapesLtConfig.builder().seed(3).numClasses(6).trainImages(12).valImages(2)
                .imageSize(64, 100).objectSize(14, 36).longTail(10, 1).build());
        files = gen.writeTo(tmp.resolve("shapes"));
        train = CocoJsonReader.strict().read(files.trainCoco());
    }

    static TransformConfig transform() {
        return TransformConfig.training().withScale(200, 150);
    }

    @Test
    void boxesAfterResizeFlipAndPaddingLandOnTheShapePixels() {
        Map<Long, ShapeScene> scenes = new HashMap<>();
        gen.scenes(Split.TRAIN).forEach(s -> scenes.put(s.imageId(), s));
        int flipped = 0;
        int boxes = 0;
        int images = 0;
        try (DetectionBatchIterator it = DetectionBatchIterator.builder(train, files.trainImages()).transform(transform())
                .batchSize(4).shuffle(true).seed(9).prefetchThreads(2).build()) {
            while (it.hasNext()) {
                DetectionBatch b = it.next();
                assertEquals(0, b.paddedHeight() % 32);
                assertEquals(0, b.paddedWidth() % 32);
                INDArray rgb = io.github.retina4j.data.transform.ImageNormalizer.IMAGENET.denormalize(b.images().dup());
                for (int i = 0; i < b.size(); i++) {
                    ImageMeta m = b.meta(i);
                    ShapeScene scene = scenes.get(m.imageId());
                    images++;
                    flipped += m.flipped() ? 1 : 0;
                    // keep-ratio: long edge <= 200, short edge <= 150, one of them reached
                    int lo = Math.min(m.validWidth(), m.validHeight());
                    int hi = Math.max(m.validWidth(), m.validHeight());
                    assertTrue(lo <= 150 && hi <= 200 && (lo >= 149 || hi >= 199), m.toString());
                    assertEquals(scene.width(), m.originalWidth());
                    // the padding is exactly zero
                    INDArray img = b.images().get(NDArrayIndex.point(i));
                    if (m.validWidth() < b.paddedWidth()) {
                        assertEquals(0.0, img.get(NDArrayIndex.all(), NDArrayIndex.all(),
                                NDArrayIndex.interval(m.validWidth(), b.paddedWidth())).amaxNumber().doubleValue());
                    }
                    assertEquals(m.validWidth() * m.validHeight(), b.validMask().get(NDArrayIndex.point(i)).sumNumber().intValue());
                    float[] bx = b.boxes(i);
                    int[] cls = b.classes(i);
                    assertEquals(scene.shapes().size(), cls.length);
                    assertArrayEquals(new long[] {cls.length, 4}, b.gtBoxes(i).shape());
                    for (int k = 0; k < cls.length; k++) {
                        ShapeInstance s = scene.shapes().get(k);
                        assertEquals(s.shapeClass().index(), cls[k]);
                        // expected from the generator's geometry
                        double x1 = s.x() * m.scaleX(), x2 = s.x2() * m.scaleX();
                        if (m.flipped()) {
                            double t = m.validWidth() - x2;
                            x2 = m.validWidth() - x1;
                            x1 = t;
                        }
                        assertEquals(x1, bx[4 * k], 1e-3);
                        assertEquals(s.y() * m.scaleY(), bx[4 * k + 1], 1e-3);
                        assertEquals(x2, bx[4 * k + 2], 1e-3);
                        assertEquals(s.y2() * m.scaleY(), bx[4 * k + 3], 1e-3);
                        // and from the pixels of the batch tensor: the extent of the shape's colour
                        int[] ext = colourExtent(rgb.get(NDArrayIndex.point(i)), s, scene.background() & 0xFF, bx, 4 * k, m);
                        assertNotNull(ext, "no pixel of " + s.shapeClass().name() + " inside its box");
                        for (int e = 0; e < 4; e++) {
                            assertEquals(bx[4 * k + e], ext[e], 2.0, "edge " + e + " of " + s.shapeClass().name()
                                    + " in image " + m.imageId() + (m.flipped() ? " (flipped)" : ""));
                        }
                        boxes++;
                    }
                }
            }
            assertEquals(0, it.skipReport().total(), it.skipReport().toString());
        }
        assertEquals(12, images);
        assertTrue(boxes >= 12, "boxes " + boxes);
        assertTrue(flipped > 0 && flipped < images, "flipped " + flipped);
    }

    /** Tight box (x1, y1, x2, y2) of pixels within 3 px of the box whose RGB is nearer the shape's colour than the background grey. */
    private static int[] colourExtent(INDArray chw, ShapeInstance s, int grey, float[] bx, int o, ImageMeta m) {
        int x0 = Math.max(0, (int) bx[o] - 3), x1 = Math.min(m.validWidth(), (int) Math.ceil(bx[o + 2]) + 3);
        int y0 = Math.max(0, (int) bx[o + 1] - 3), y1 = Math.min(m.validHeight(), (int) Math.ceil(bx[o + 3]) + 3);
        float[][][] px = new float[3][][];
        for (int c = 0; c < 3; c++) {
            px[c] = chw.get(NDArrayIndex.point(c), NDArrayIndex.interval(y0, y1), NDArrayIndex.interval(x0, x1)).toFloatMatrix();
        }
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        for (int y = 0; y < y1 - y0; y++) {
            for (int x = 0; x < x1 - x0; x++) {
                double d = Math.abs(px[0][y][x] - s.red()) + Math.abs(px[1][y][x] - s.green()) + Math.abs(px[2][y][x] - s.blue());
                double bg = Math.abs(px[0][y][x] - grey) + Math.abs(px[1][y][x] - grey) + Math.abs(px[2][y][x] - grey);
                // nearer the shape's colour than the background's (the midpoint of bilinear edges); in RGB
                // order: a BGR tensor would fail for every shape whose red and blue differ
                if (d < bg) {
                    minX = Math.min(minX, x + x0);
                    maxX = Math.max(maxX, x + x0);
                    minY = Math.min(minY, y + y0);
                    maxY = Math.max(maxY, y + y0);
                }
            }
        }
        return maxX < 0 ? null : new int[] {minX, minY, maxX + 1, maxY + 1};
    }

    @Test
    void filterEmptyExcludesAndCountsImagesWithoutAnnotations() {
        List<Long> firstSix = train.images().subList(0, 6).stream().map(ImageInfo::id).toList();
        List<Annotation> anns = train.annotations().stream().filter(a -> firstSix.contains(a.imageId())).toList();
        CocoDataset partly = new CocoDataset(train.images(), anns, train.categories());
        long withAnns = partly.images().stream().filter(im -> !partly.annotationsOf(im.id()).isEmpty()).count();
        try (DetectionBatchIterator it = DetectionBatchIterator.builder(partly, files.trainImages()).transform(transform())
                .batchSize(4).filterEmpty(true).prefetchThreads(1).build()) {
            int n = 0;
            while (it.hasNext()) {
                DetectionBatch b = it.next();
                for (int i = 0; i < b.size(); i++) {
                    assertTrue(b.classes(i).length > 0);
                    n++;
                }
            }
            assertEquals(withAnns, n);
            assertEquals(12 - withAnns, it.skipReport().count("image without annotations (excluded)"));
        }
    }

    @Test
    void multiScaleDrawsOneOfTheScalesPerImage() {
        TransformConfig multi = TransformConfig.evaluation().withScales(List.of(new ImageScale(100, 80), new ImageScale(200, 160)));
        java.util.Set<Integer> shortEdges = new java.util.TreeSet<>();
        try (DetectionBatchIterator it = DetectionBatchIterator.builder(train, files.trainImages()).transform(multi)
                .batchSize(3).prefetchThreads(0).build()) {
            it.forEachRemaining(b -> b.metas().forEach(m -> {
                int lo = Math.min(m.validWidth(), m.validHeight());
                int hi = Math.max(m.validWidth(), m.validHeight());
                assertTrue((lo <= 80 && hi <= 100) || (lo <= 160 && hi <= 200 && (lo > 80 || hi > 100)), m.toString());
                shortEdges.add(hi > 100 || lo > 80 ? 1 : 0);
            }));
        }
        assertEquals(java.util.Set.of(0, 1), shortEdges);
    }

    @Test
    void deterministicRegardlessOfPrefetchThreads() {
        List<DetectionBatch> a = all(0);
        List<DetectionBatch> b = all(2);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertIdentical("images of batch " + i, a.get(i).images(), b.get(i).images());
            assertEquals(a.get(i).metas(), b.get(i).metas());
            for (int k = 0; k < a.get(i).size(); k++) {
                assertArrayEquals(a.get(i).boxes(k), b.get(i).boxes(k));
            }
        }
    }

    private List<DetectionBatch> all(int threads) {
        List<DetectionBatch> out = new ArrayList<>();
        try (DetectionBatchIterator it = DetectionBatchIterator.builder(train, files.trainImages()).transform(transform())
                .batchSize(5).shuffle(true).seed(4).prefetchThreads(threads).build()) {
            it.forEachRemaining(out::add);
            it.reset(); // second epoch: another order
            assertEquals(1, it.epoch());
            DetectionBatch first = it.next();
            assertNotEquals(out.get(0).metas(), first.metas());
            it.seek(0, 1); // resume: batch 1 of epoch 0 again
            assertEquals(out.get(1).metas(), it.next().metas());
        }
        return out;
    }

    @Test
    void missingAndUndecodableImagesFailOrAreSkippedAndCounted() throws IOException {
        Path root = tmp.resolve("broken");
        Files.createDirectories(root);
        List<ImageInfo> ims = train.images();
        for (int i = 0; i < ims.size(); i++) {
            if (i == 1) {
                continue; // missing
            }
            Path src = files.trainImages().resolve(ims.get(i).fileName());
            Path dst = root.resolve(ims.get(i).fileName());
            if (i == 2) {
                Files.writeString(dst, "this is not a png"); // undecodable
            } else {
                Files.copy(src, dst);
            }
        }
        ImageLoadException e = assertThrows(ImageLoadException.class, () -> {
            try (DetectionBatchIterator it = DetectionBatchIterator.builder(train, root).transform(transform()).batchSize(2)
                    .build()) {
                it.forEachRemaining(b -> { });
            }
        });
        assertTrue(e.getMessage().contains(ims.get(1).fileName()) && e.getMessage().contains("not found"), e.getMessage());

        try (DetectionBatchIterator it = DetectionBatchIterator.builder(train, root).transform(transform()).batchSize(2)
                .policy(BadInputPolicy.SKIP).build()) {
            int n = 0;
            while (it.hasNext()) {
                n += it.next().size();
            }
            assertEquals(ims.size() - 2, n);
            assertEquals(1, it.skipReport().count(DetectionSampleLoader.MISSING_IMAGE));
            assertEquals(1, it.skipReport().count(DetectionSampleLoader.UNDECODABLE_IMAGE));
            assertTrue(it.skipReport().toString().contains(ims.get(2).fileName()));
        }
        DetectionSampleLoader strict = new DetectionSampleLoader(train, root, train.categoryMapping(), transform(),
                BadInputPolicy.FAIL, new io.github.retina4j.coco.SkipReport());
        ImageLoadException u = assertThrows(ImageLoadException.class, () -> strict.load(2, new java.util.Random(1)));
        assertTrue(u.getMessage().contains(DetectionSampleLoader.UNDECODABLE_IMAGE) && u.getMessage().contains(ims.get(2).fileName()),
                u.getMessage());
    }

    @Test
    void boxesAreClippedZeroAreaDroppedCrowdIgnoredUnknownClassesReported() {
        ImageInfo im = train.images().get(0);
        int cat = train.categories().get(0).id();
        int other = train.categories().get(1).id();
        List<Annotation> anns = List.of(
                Annotation.box(1, im.id(), cat, im.width() - 10, 5, 30, 10, false),  // sticks out: clipped
                Annotation.box(2, im.id(), cat, 5, 5, 0, 10, false),                  // zero width: dropped
                Annotation.box(3, im.id(), cat, 1, 1, 20, 20, true),                  // crowd: ignore region
                Annotation.box(4, im.id(), other, 2, 2, 8, 8, false));                // class outside mapping
        CocoDataset d = new CocoDataset(List.of(im), anns, train.categories());
        var mapping = new io.github.retina4j.coco.CategoryMapping(new int[] {cat}, new String[] {"only"});
        TransformConfig noResize = TransformConfig.evaluation().withScale(1000, 1000).withScales(
                List.of(new ImageScale(Math.max(im.width(), im.height()), Math.min(im.width(), im.height()))));
        var report = new io.github.retina4j.coco.SkipReport();
        DetectionSample s = new DetectionSampleLoader(d, files.trainImages(), mapping, noResize, BadInputPolicy.SKIP, report)
                .load(0, new java.util.Random(0));
        assertEquals(1.0, s.meta().scaleX(), 1e-12);
        assertArrayEquals(new float[] {im.width() - 10, 5, im.width(), 15}, s.boxes());
        assertArrayEquals(new int[] {0}, s.classes());
        assertArrayEquals(new float[] {1, 1, 21, 21}, s.ignoreBoxes());
        assertEquals(1, report.count(DetectionSampleLoader.EMPTY_BOX));
        assertEquals(1, report.count(DetectionSampleLoader.UNKNOWN_CLASS));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DetectionSampleLoader(d,
                files.trainImages(), mapping, noResize, BadInputPolicy.FAIL, report).load(0, new java.util.Random(0)));
        assertTrue(e.getMessage().contains("annotation 4") && e.getMessage().contains("category id " + other), e.getMessage());
        // a decoded size that disagrees with the annotation
        ImageInfo wrong = ImageInfo.coco(im.id(), im.fileName(), im.width() + 1, im.height());
        CocoDataset d2 = new CocoDataset(List.of(wrong), List.of(), train.categories());
        ImageLoadException m = assertThrows(ImageLoadException.class, () -> new DetectionSampleLoader(d2, files.trainImages(),
                d2.categoryMapping(), noResize, BadInputPolicy.FAIL, report).load(0, new java.util.Random(0)));
        assertTrue(m.getMessage().contains("annotation says"), m.getMessage());
    }
}
