package io.github.retina4j.data.transform;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

class ImageNormalizerTest {
    @Test
    void perChannelImageNetStatistics() {
        INDArray img = Nd4j.create(DataType.FLOAT, 2, 3, 2, 2);
        img.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(0)).assign(200);
        img.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1)).assign(100);
        img.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(2)).assign(0);
        INDArray orig = img.dup();
        ImageNormalizer.IMAGENET.normalize(img);
        assertEquals((200 - 123.675) / 58.395, img.getDouble(1, 0, 1, 1), 1e-5);
        assertEquals((100 - 116.28) / 57.12, img.getDouble(0, 1, 0, 1), 1e-5);
        assertEquals((0 - 103.53) / 57.375, img.getDouble(1, 2, 1, 0), 1e-5);
        INDArray chw = orig.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).dup();
        ImageNormalizer.IMAGENET.normalize(chw);
        assertIdentical("[C, H, W] image normalised alone vs in a batch", img.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)), chw);
        ImageNormalizer.IMAGENET.denormalize(img);
        assertTrue(orig.equalsWithEps(img, 1e-3));
        assertThrows(IllegalArgumentException.class, () -> ImageNormalizer.IMAGENET.normalize(Nd4j.create(DataType.FLOAT, 4, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> new ImageNormalizer(new float[] {1, 2, 3}, new float[] {1, 0, 1}));
    }
}
