package io.github.retina4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DetectAndDrawTest {

    @Test
    void drawsTheDetectionsOfEveryImage(@TempDir Path dir) throws Exception {
        Path model = TinyRetinaNet.write(dir.resolve("model.zip"));
        ShapesLtFiles data = new ShapesLtGenerator(ShapesLtConfig.builder().numClasses(2).trainImages(1).valImages(3)
                .imageSize(64, 96).objectSize(16, 40).build()).writeTo(dir.resolve("data"));
        Path all = dir.resolve("all");
        Path none = dir.resolve("none");
        // the untrained tiny model keeps every candidate (score threshold 0): each image gets boxes at threshold 0,
        // none at threshold 1
        String printed = Console.capture(() -> DetectAndDraw.main(new String[] {"--model", model.toString(),
                "--images", data.valImages().toString(), "--out", all.toString(), "--score-threshold", "0"}));
        Console.capture(() -> DetectAndDraw.main(new String[] {"--model", model.toString(),
                "--images", data.valImages().toString(), "--out", none.toString(), "--score-threshold", "1"}));

        String[] images;
        try (var files = Files.list(data.valImages())) {
            images = files.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
        assertEquals(3, images.length);
        assertEquals(3, printed.lines().count(), printed);
        for (String name : images) {
            assertTrue(printed.matches("(?s).*" + Pattern.quote(name) + ": ([1-9]\\d?|100) detections with score >= 0\\.00 -> .*"), printed);
            // pictures are upscaled to a short side of at least 384 px so that labels stay readable
            BufferedImage drawn = TinyRun.assertPng(all.resolve(name), 384, 384);
            BufferedImage plain = TinyRun.assertPng(none.resolve(name), 384, 384);
            assertFalse(samePixels(drawn, plain), name + ": no box drawn");
        }
    }

    @Test
    void aFolderWithoutImagesIsAnError(@TempDir Path dir) throws Exception {
        Path model = TinyRetinaNet.write(dir.resolve("model.zip"));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DetectAndDraw.main(
                new String[] {"--model", model.toString(), "--images", empty.toString()}));
        assertEquals("no PNG or JPEG images in " + empty, e.getMessage());
    }

    private static boolean samePixels(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
            return false;
        }
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                if (a.getRGB(x, y) != b.getRGB(x, y)) {
                    return false;
                }
            }
        }
        return true;
    }
}
