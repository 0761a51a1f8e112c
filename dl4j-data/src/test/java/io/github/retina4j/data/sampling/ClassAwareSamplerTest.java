package io.github.retina4j.data.sampling;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.ImageInfo;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ClassAwareSamplerTest {
    /** 100 images with one class each: class 1 in 90 images, class 2 in 9, class 3 in 1. */
    static CocoDataset skewed() {
        List<ImageInfo> ims = new ArrayList<>();
        List<Annotation> anns = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ims.add(ImageInfo.coco(i, "x", 10, 10));
            int c = i < 90 ? 1 : i < 99 ? 2 : 3;
            anns.add(Annotation.box(i + 1, i, c, 0, 0, 1, 1, false));
        }
        return new CocoDataset(ims, anns, List.of(Category.coco(1, "a", null), Category.coco(2, "b", null),
                Category.coco(3, "c", null)));
    }

    @Test
    void classesAreDrawnEquallyOften() {
        ClassAwareSampler s = ClassAwareSampler.of(skewed(), 3);
        assertEquals(3, s.numClasses());
        int[] perClass = new int[3];
        int[] perImage = new int[100];
        int epochs = 30;
        for (int e = 0; e < epochs; e++) {
            int[] o = s.epochOrder(e);
            assertEquals(100, o.length);
            int[] epochClass = new int[3];
            int[] epochImage = new int[100];
            for (int i : o) {
                epochClass[i < 90 ? 0 : i < 99 ? 1 : 2]++;
                perImage[i]++;
                epochImage[i]++;
            }
            // within a class, images are cycled: in one epoch their counts differ by at most one
            int[] common = Arrays.copyOfRange(epochImage, 90, 99);
            assertTrue(Arrays.stream(common).max().getAsInt() - Arrays.stream(common).min().getAsInt() <= 1,
                    Arrays.toString(common));
            // 100 draws in cycles over the 3 classes: 33 full cycles plus one draw
            for (int c = 0; c < 3; c++) {
                assertTrue(epochClass[c] == 33 || epochClass[c] == 34, Arrays.toString(epochClass));
                perClass[c] += epochClass[c];
            }
        }
        // the 90/9/1 image skew is gone: each class gets a third of the 3000 draws
        for (int c = 0; c < 3; c++) {
            assertEquals(1000, perClass[c], 30);
        }
        assertEquals(perClass[2], perImage[99]);
        assertArrayEquals(s.epochOrder(7), ClassAwareSampler.of(skewed(), 3).epochOrder(7));
    }

    @Test
    void badInput() {
        assertThrows(IllegalArgumentException.class, () -> new ClassAwareSampler(new int[][] {{}, {}}, 10, 1));
        assertThrows(IllegalArgumentException.class, () -> new ClassAwareSampler(new int[][] {{1}}, 0, 1));
    }
}
