package io.github.retina4j.data.reader;

import io.github.retina4j.data.transform.ImageMeta;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DetectionBatchTest {
    private static DetectionSample sample(int h, int w, float value, float[] boxes, int[] classes) {
        return new DetectionSample(Nd4j.valueArrayOf(new long[] {3, h, w}, value, DataType.FLOAT), boxes, classes,
                new float[0], new ImageMeta(h * 1000L + w, "f", w, h, w, h, 1, 1, false));
    }

    @Test
    void collatePadsToTheDivisorWithZerosAndKeepsPerImageData() {
        DetectionBatch b = DetectionBatch.collate(List.of(sample(40, 70, 1f, new float[] {1, 2, 3, 4}, new int[] {5}),
                sample(65, 20, 2f, new float[0], new int[0])), 32);
        assertArrayEquals(new long[] {2, 3, 96, 96}, b.images().shape());
        assertEquals(3 * 40 * 70, b.images().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).sumNumber().doubleValue(), 1e-3);
        assertEquals(2 * 3 * 65 * 20, b.images().get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).sumNumber().doubleValue(), 1e-3);
        assertArrayEquals(new long[] {1, 4}, b.gtBoxes(0).shape());
        assertEquals(5, b.gtClasses(0).getInt(0));
        assertArrayEquals(new long[] {0, 4}, b.gtBoxes(1).shape());
        assertEquals(0, b.gtClasses(1).length());
        assertArrayEquals(new long[] {0, 4}, b.ignoreBoxes(0).shape());
        assertEquals(40 * 70 + 65 * 20, b.validMask().sumNumber().intValue());
        assertThrows(IllegalArgumentException.class, () -> DetectionBatch.collate(List.of(), 32));
        assertThrows(IllegalArgumentException.class, () -> new DetectionBatch(b.images(), List.of(new float[4]),
                List.of(new int[1]), List.of(new float[0]), List.of(b.meta(0))));
    }
}
