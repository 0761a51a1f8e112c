package io.github.retina4j.eval;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroundTruthTest {

    @Test
    void builderSortsIdsAndKeepsAnnotationOrder() {
        GroundTruth gt = GroundTruth.builder().image(9).image(3).category(5, "x", null).category(2, "y", "r")
                .annotation(7, 9, 5, 0, 0, 1, 1, 1, false, false).annotation(4, 3, 2, 0, 0, 2, 2, 4, true, false).build();
        assertArrayEquals(new long[] {3, 9}, gt.imageIds());
        assertArrayEquals(new long[] {2, 5}, gt.categoryIds());
        assertEquals("y", gt.categoryName(0));
        assertEquals("r", gt.categoryFrequency(0));
        assertEquals(2, gt.annotationCount());
        assertEquals(7, gt.annotationIds[0]);
        assertEquals(1, gt.annImage[0]);
        assertEquals(1, gt.annCategory[0]);
    }

    @Test
    void badGroundTruthIsNamed() {
        String m = assertThrows(IllegalArgumentException.class, () -> GroundTruth.builder().image(1).category(1, "a", null)
                .annotation(10, 2, 1, 0, 0, 1, 1, 1, false, false).build()).getMessage();
        assertTrue(m.contains("id 10") && m.contains("image_id 2"), m);
        m = assertThrows(IllegalArgumentException.class, () -> GroundTruth.builder().image(1).image(1).build()).getMessage();
        assertTrue(m.contains("duplicate image id 1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> GroundTruth.builder()
                .annotation(3, 1, 1, 0, 0, Double.NaN, 1, 1, false, false)).getMessage();
        assertTrue(m.contains("id 3") && m.contains("NaN"), m);
        assertThrows(IllegalArgumentException.class, () -> GroundTruth.builder().category(1, "a", "x"));
    }

    @Test
    void fromLvisDatasetKeepsFederatedLabels() {
        CocoDataset ds = CocoJsonReader.strict().read(ReferenceData.file("lvis_eval/gt.json"));
        GroundTruth gt = GroundTruth.of(ds);
        assertEquals(ds.images().size(), gt.imageCount());
        assertEquals(ds.annotations().size(), gt.annotationCount());
        assertEquals(ds.categories().size(), gt.categoryCount());
        assertTrue(gt.hasFederatedLabels());
        for (int k = 0; k < gt.categoryCount(); k++) {
            assertTrue(gt.categoryFrequency(k) != null);
        }
        CocoDataset coco = CocoJsonReader.strict().read(ReferenceData.file("coco_eval/gt.json"));
        GroundTruth cg = GroundTruth.of(coco);
        assertTrue(!cg.hasFederatedLabels());
        long crowd = coco.annotations().stream().filter(a -> a.iscrowd()).count();
        int n = 0;
        for (boolean c : cg.crowd) {
            n += c ? 1 : 0;
        }
        assertEquals(crowd, n);
    }
}
