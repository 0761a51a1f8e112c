package io.github.retina4j.data.sampling;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.ImageInfo;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class RepeatFactorsTest {
    /** 10 images: category 1 in images 0–7 (f = 0.8), category 2 in images 0 and 8 (f = 0.2), image 9 empty. */
    static CocoDataset tenImages() {
        List<ImageInfo> images = new java.util.ArrayList<>();
        List<Annotation> anns = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            images.add(ImageInfo.coco(i, "x", 10, 10));
        }
        for (int i = 0; i < 8; i++) {
            anns.add(Annotation.box(i + 1, i, 1, 0, 0, 1, 1, false));
        }
        anns.add(Annotation.box(100, 8, 2, 0, 0, 1, 1, false));
        anns.add(Annotation.box(101, 0, 2, 0, 0, 1, 1, false)); // image 0: categories 1 and 2
        return new CocoDataset(images, anns, List.of(Category.coco(1, "a", null), Category.coco(2, "b", null)));
    }

    @Test
    void handBuiltExample() {
        // t = 0.5: f_1 = 0.8 -> r = max(1, sqrt(0.5/0.8)) = 1; f_2 = 0.2 -> r = sqrt(2.5)
        Map<Integer, Double> rc = RepeatFactors.categoryRepeatFactors(tenImages(), 0.5);
        assertEquals(1.0, rc.get(1), 1e-15);
        assertEquals(Math.sqrt(2.5), rc.get(2), 1e-15);
        double[] ri = RepeatFactors.imageRepeatFactors(tenImages(), 0.5);
        double r2 = Math.sqrt(2.5);
        assertArrayEquals(new double[] {r2, 1, 1, 1, 1, 1, 1, 1, r2, 1}, ri, 1e-15);
        assertEquals(1.0, RepeatFactors.categoryRepeatFactor(0.001, 0.001));
        assertEquals(10.0, RepeatFactors.categoryRepeatFactor(0.00001, 0.001), 1e-12);
    }

    @Test
    void badInput() {
        assertThrows(IllegalArgumentException.class, () -> RepeatFactors.categoryRepeatFactor(0, 0.001));
        assertThrows(IllegalArgumentException.class, () -> RepeatFactors.categoryRepeatFactor(Double.NaN, 0.001));
        assertThrows(IllegalArgumentException.class, () -> RepeatFactors.categoryRepeatFactor(0.5, 0));
    }
}
