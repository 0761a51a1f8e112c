package io.github.retina4j.models.inference;

import io.github.retina4j.models.io.PreprocessConfig;

import io.github.retina4j.data.transform.ImageMeta;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.List;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImagePreprocessorTest {

    private static BufferedImage solid(int w, int h, Color c) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, w, h);
        g.dispose();
        return img;
    }

    @Test
    void keepRatioResizeNormaliseAndPad() {
        // 200×100 with (min 50, max 80): scale = min(50/100, 80/200) = 0.4 → 80×40, padded to 96×64 (divisor 32)
        ImagePreprocessor p = new ImagePreprocessor(PreprocessConfig.of(50, 80, 32));
        ImagePreprocessor.Batch b = p.preprocess(solid(200, 100, new Color(200, 100, 50)));
        INDArray x = b.images();
        assertArrayEquals(new long[] {1, 3, 64, 96}, x.shape());
        ImageMeta m = b.metas().get(0);
        assertEquals(80, m.validWidth());
        assertEquals(40, m.validHeight());
        assertEquals(0.4, m.scaleX(), 1e-12);
        assertEquals(0.4, m.scaleY(), 1e-12);
        // ImageNet normalisation of the RGB channels inside, zeros in the padding
        assertEquals((200 - 123.675) / 58.395, x.getDouble(0, 0, 10, 10), 1e-5);
        assertEquals((100 - 116.28) / 57.12, x.getDouble(0, 1, 39, 79), 1e-5);
        assertEquals((50 - 103.53) / 57.375, x.getDouble(0, 2, 0, 0), 1e-5);
        assertEquals(0, x.getDouble(0, 0, 40, 10), 0);
        assertEquals(0, x.getDouble(0, 1, 10, 80), 0);
    }

    @Test
    void batchIsPaddedToTheLargestImageAndKeepsIds() {
        ImagePreprocessor p = new ImagePreprocessor(PreprocessConfig.of(64, 128, 32));
        ImagePreprocessor.Batch b = p.preprocess(List.of(solid(64, 64, Color.RED), solid(50, 100, Color.BLUE)), new long[] {7, 8});
        assertArrayEquals(new long[] {2, 3, 128, 64}, b.images().shape());
        assertEquals(7, b.metas().get(0).imageId());
        assertEquals(8, b.metas().get(1).imageId());
        assertEquals(128, b.metas().get(1).validHeight());
        assertEquals(64, b.metas().get(1).validWidth());
    }

    @Test
    void aFileAndItsDecodedImageGiveTheSameTensor(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        BufferedImage img = DetectorTest.picture(5, 90, 70);
        java.nio.file.Path png = dir.resolve("p.png");
        javax.imageio.ImageIO.write(img, "png", png.toFile());
        ImagePreprocessor p = new ImagePreprocessor(PreprocessConfig.of(64, 100, 32));
        ImagePreprocessor.Batch fromImage = p.preprocess(img);
        ImagePreprocessor.Batch fromFile = p.preprocessFiles(List.of(png), new long[] {0});
        assertIdentical("tensor from the image vs from its file", fromImage.images(), fromFile.images());
        assertEquals("p.png", fromFile.metas().get(0).fileName());
        assertEquals(fromImage.metas().get(0).validWidth(), fromFile.metas().get(0).validWidth());
    }

    @Test
    void badInputIsReported() {
        ImagePreprocessor p = new ImagePreprocessor(PreprocessConfig.coco());
        assertThrows(IllegalArgumentException.class, () -> p.preprocess(List.of(), new long[0]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> p.preprocess(List.of(solid(4, 4, Color.RED)), new long[] {1, 2}));
        assertEquals("1 images but 2 image ids", e.getMessage());
    }
}
