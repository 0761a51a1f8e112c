package io.github.retina4j.data.synthetic;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.Frequency;
import io.github.retina4j.coco.ImageInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

class ShapesLtGeneratorTest {
    /** Small config for file-level tests. */
    static ShapesLtConfig small(long seed) {
        return ShapesLtConfig.builder().seed(seed).numClasses(8).trainImages(24).valImages(6).imageSize(64, 96)
                .objectSize(12, 32).longTail(20, 1).build();
    }

    @TempDir
    Path tmp;

    @Test
    void sameSeedGivesByteIdenticalFiles() throws IOException {
        ShapesLtFiles a = new ShapesLtGenerator(small(5)).writeTo(tmp.resolve("a"));
        ShapesLtFiles b = new ShapesLtGenerator(small(5)).writeTo(tmp.resolve("b"));
        List<Path> filesA = list(a.root());
        List<Path> filesB = list(b.root());
        assertEquals(filesA.stream().map(p -> a.root().relativize(p).toString()).toList(),
                filesB.stream().map(p -> b.root().relativize(p).toString()).toList());
        assertEquals(24 + 6 + 4, filesA.size());
        for (int i = 0; i < filesA.size(); i++) {
            assertArrayEquals(Files.readAllBytes(filesA.get(i)), Files.readAllBytes(filesB.get(i)), filesA.get(i).toString());
        }
        ShapesLtFiles c = new ShapesLtGenerator(small(6)).writeTo(tmp.resolve("c"));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.trainCoco()), Files.readAllBytes(c.trainCoco())));
    }

    private static List<Path> list(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void boxesAreTightOnTheShapePixelsOfTheWrittenPngs() throws IOException {
        ShapesLtGenerator gen = new ShapesLtGenerator(small(11));
        ShapesLtFiles files = gen.writeTo(tmp);
        CocoDataset coco = CocoJsonReader.strict().read(files.trainCoco());
        int checked = 0;
        for (ShapeScene scene : gen.scenes(Split.TRAIN)) {
            BufferedImage img = ImageIO.read(files.trainImages().resolve(scene.fileName()).toFile());
            assertEquals(scene.width(), img.getWidth());
            assertEquals(scene.height(), img.getHeight());
            List<Annotation> anns = coco.annotationsOf(scene.imageId());
            assertEquals(scene.shapes().size(), anns.size());
            boolean[] onShape = new boolean[scene.width() * scene.height()];
            for (int k = 0; k < anns.size(); k++) {
                ShapeInstance s = scene.shapes().get(k);
                Annotation a = anns.get(k);
                assertEquals(s.shapeClass().categoryId(), a.categoryId());
                assertEquals(List.of((double) s.x(), (double) s.y(), (double) s.w(), (double) s.h()),
                        List.of(a.x(), a.y(), a.w(), a.h()));
                int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1, area = 0;
                for (int y = 0; y < scene.height(); y++) {
                    for (int x = 0; x < scene.width(); x++) {
                        if ((img.getRGB(x, y) & 0xFFFFFF) == s.rgb() && s.covers(x, y)) {
                            onShape[y * scene.width() + x] = true;
                            minX = Math.min(minX, x);
                            maxX = Math.max(maxX, x);
                            minY = Math.min(minY, y);
                            maxY = Math.max(maxY, y);
                            area++;
                        }
                    }
                }
                // the annotation box is exactly the extent of the shape's pixels in the PNG
                assertEquals(List.of(minX, minY, maxX + 1 - minX, maxY + 1 - minY), List.of(s.x(), s.y(), s.w(), s.h()));
                assertEquals(a.area(), area);
                checked++;
            }
            // every other pixel is background grey
            for (int y = 0; y < scene.height(); y++) {
                for (int x = 0; x < scene.width(); x++) {
                    if (!onShape[y * scene.width() + x]) {
                        int rgb = img.getRGB(x, y);
                        int r = (rgb >> 16) & 0xFF;
                        assertTrue(r == ((rgb >> 8) & 0xFF) && r == (rgb & 0xFF) && r <= 110,
                                "background at " + x + "," + y + " of " + scene.fileName());
                    }
                }
            }
        }
        assertTrue(checked > 20, "checked " + checked);
    }

    @Test
    void defaultTrainSplitHasALongTailAndValidLvisFields() throws IOException {
        ShapesLtGenerator gen = new ShapesLtGenerator(ShapesLtConfig.defaults());
        assertEquals(30, gen.classes().size());
        assertEquals(30, gen.classes().stream().map(ShapeClass::name).distinct().count());
        int[] counts = gen.imageCounts(gen.scenes(Split.TRAIN));
        Set<Frequency> groups = EnumSet.noneOf(Frequency.class);
        for (int k = 0; k < counts.length; k++) {
            assertTrue(counts[k] >= 1, "class " + k + " has no train image");
            groups.add(Frequency.ofImageCount(counts[k]));
        }
        assertEquals(EnumSet.allOf(Frequency.class), groups);
        // val contains every class
        assertTrue(java.util.Arrays.stream(gen.imageCounts(gen.scenes(Split.VAL))).allMatch(n -> n >= 1));

        // LVIS JSON written and read back: fields consistent with the annotations
        Path f = tmp.resolve("lvis_train.json");
        io.github.retina4j.coco.CocoJsonWriter.write(gen.lvisDataset(Split.TRAIN), f);
        CocoDataset lvis = CocoJsonReader.strict().read(f);
        assertTrue(lvis.isLvis());
        assertEquals(400, lvis.images().size());
        for (Category c : lvis.categories()) {
            long images = lvis.annotations().stream().filter(a -> a.categoryId() == c.id()).map(Annotation::imageId)
                    .distinct().count();
            long instances = lvis.annotations().stream().filter(a -> a.categoryId() == c.id()).count();
            assertEquals(images, (long) c.imageCount(), c.name());
            assertEquals(instances, (long) c.instanceCount(), c.name());
            assertEquals(Frequency.ofImageCount(c.imageCount()), c.frequency());
        }
        assertTrue(lvis.categories().stream().anyMatch(c -> c.instanceCount() > c.imageCount()));
        int notExhaustive = 0;
        for (ImageInfo im : lvis.images()) {
            Set<Integer> present = new HashSet<>();
            lvis.annotationsOf(im.id()).forEach(a -> present.add(a.categoryId()));
            for (int neg : im.negCategoryIds()) {
                assertFalse(present.contains(neg), "negative category present in image " + im.id());
            }
            assertTrue(present.containsAll(im.notExhaustiveCategoryIds()));
            notExhaustive += im.notExhaustiveCategoryIds().size();
        }
        assertTrue(notExhaustive > 0);
    }

    @Test
    void configurableSizesAndValidation() {
        ShapesLtGenerator gen = new ShapesLtGenerator(ShapesLtConfig.builder().numClasses(48).trainImages(60)
                .valImages(0).imageSize(200, 200).longTail(40, 2).build());
        assertEquals(48, gen.classes().size());
        assertTrue(gen.scenes(Split.TRAIN).stream().allMatch(s -> s.width() == 200 && s.height() == 200));
        assertEquals(0, gen.scenes(Split.VAL).size());
        assertThrows(IllegalArgumentException.class, () -> ShapesLtConfig.builder().numClasses(49).build());
        assertThrows(IllegalArgumentException.class, () -> ShapesLtConfig.builder().imageSize(100, 50).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShapesLtConfig.builder().trainImages(10).longTail(ShapesLtConfig.DEFAULT_HEAD_IMAGES, 1).build());
        assertTrue(e.getMessage().contains("headImages"));
        // without an explicit tail, a split smaller than the default head puts the head class in every image
        assertEquals(10, ShapesLtConfig.builder().trainImages(10).build().headImages());
        assertEquals(ShapesLtConfig.DEFAULT_HEAD_IMAGES, ShapesLtConfig.defaults().headImages());
    }
}
