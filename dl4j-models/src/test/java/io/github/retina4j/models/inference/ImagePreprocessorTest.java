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
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * torchvision 0.14.1's {@code GeneralizedRCNNTransform(min_size=50, max_size=80)} on two random RGB images
     * ({@code imports/tv_retinanet_r50w8/preprocess.npz}, made by that folder's make_fixture.py): 37×53 scaled up by
     * the short side (to 50×71), 30×90 scaled down by the long side (to 26×80). Sizes must be equal, values within
     * float32 rounding, a few ulp of values up to 2.6 (torch normalises x/255 with mean 0.485, here x with mean
     * 123.675; measured 4.8e-7).
     */
    @Test
    void torchvisionResizeReproducesGeneralizedRCNNTransform() throws Exception {
        java.util.Map<String, INDArray> f = io.github.retina4j.models.imports.NpzReader.read(java.nio.file.Path.of(
                getClass().getResource(io.github.retina4j.models.imports.NpzFiles.TV_R50W8 + "preprocess.npz").toURI()));
        PreprocessConfig tv = new PreprocessConfig(50, 80, 32, PreprocessConfig.IMAGENET_MEAN, PreprocessConfig.IMAGENET_STD,
                PreprocessConfig.Resize.TORCHVISION);
        for (String name : new String[] {"up", "down"}) {
            INDArray pixels = f.get(name + "_pixels");
            INDArray expected = f.get(name + "_tensor");
            int h = (int) pixels.size(1), w = (int) pixels.size(2);
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    img.setRGB(x, y, pixels.getInt(0, y, x) << 16 | pixels.getInt(1, y, x) << 8 | pixels.getInt(2, y, x));
                }
            }
            ImagePreprocessor.Batch b = new ImagePreprocessor(tv).preprocess(img);
            ImageMeta m = b.metas().get(0);
            assertEquals(expected.size(1), m.validHeight(), name);
            assertEquals(expected.size(2), m.validWidth(), name);
            assertArrayEquals(f.get(name + "_padded_hw").data().asLong(), new long[] {b.images().size(2), b.images().size(3)}, name);
            INDArray valid = b.images().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, m.validHeight()),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(0, m.validWidth()));
            double err = valid.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                    .sub(expected.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).amaxNumber().doubleValue();
            assertTrue(err <= 1e-6, name + ": max |Δ| = " + err);
            // the mmdetection convention rounds the size instead: 37×53 → round(53·50/37) = 72 columns, not 71
            if (name.equals("up")) {
                assertEquals(72, new ImagePreprocessor(PreprocessConfig.of(50, 80, 32)).preprocess(img).metas().get(0).validWidth());
            }
        }
    }

    /**
     * torchvision computes {@code 800.0 / min_size} as {@code (1 / min_size) · 800} in float32
     * ({@code Tensor.__rtruediv__}), and a plain float32 division differs in the last bit for about a quarter of the
     * sizes, which can decide the floored size either way. Sizes printed by torchvision 0.14.1's
     * {@code GeneralizedRCNNTransform(800, 1333)}: 309×310 → 800×802 (a float32 division gives 799), 319×320 →
     * 799×802 (a division gives 800), 480×640 → 800×1066 (rounding would give 1067), 599×1000 → 798×1333.
     */
    @Test
    void torchvisionSizesAreComputedAsTorchDoes() {
        int[][] cases = {{310, 309, 802, 800}, {320, 319, 802, 799}, {640, 480, 1066, 800}, {1000, 599, 1333, 798},
                {1000, 800, 1000, 800}};
        for (int[] c : cases) {
            io.github.retina4j.data.transform.KeepRatioResize.Geometry g = TorchvisionResize.geometry(c[0], c[1], 800, 1333);
            assertEquals(c[2], g.width(), c[0] + "x" + c[1]);
            assertEquals(c[3], g.height(), c[0] + "x" + c[1]);
        }
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
