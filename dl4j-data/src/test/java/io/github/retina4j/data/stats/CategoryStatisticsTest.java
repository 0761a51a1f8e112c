package io.github.retina4j.data.stats;

import io.github.retina4j.coco.Annotation;
import io.github.retina4j.coco.Category;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.Frequency;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class CategoryStatisticsTest {
    @TempDir
    Path tmp;

    /** 200 images: category 1 in 150 of them, category 5 in 20 (twice in each), category 3 in 2, category 4 in none. */
    static CocoDataset handBuilt() {
        List<ImageInfo> images = new ArrayList<>();
        List<Annotation> anns = new ArrayList<>();
        long id = 1;
        for (int i = 0; i < 200; i++) {
            images.add(ImageInfo.coco(i, "i" + i, 50, 50));
            if (i < 150) {
                anns.add(Annotation.box(id++, i, 1, 0, 0, 5, 5, false));
            }
            if (i >= 180) {
                anns.add(Annotation.box(id++, i, 5, 0, 0, 5, 5, false));
                anns.add(Annotation.box(id++, i, 5, 10, 10, 5, 5, false));
            }
            if (i == 7 || i == 8) {
                anns.add(Annotation.box(id++, i, 3, 0, 0, 5, 5, false));
            }
        }
        return new CocoDataset(images, anns, List.of(Category.coco(5, "e", null), Category.coco(1, "a", null),
                Category.coco(3, "c", null), Category.coco(4, "d", null)));
    }

    @Test
    void countsGroupsFractionsAndRepeatFactors() {
        CategoryStatistics s = CategoryStatistics.of(handBuilt(), 0.1);
        assertEquals(200, s.numImages());
        assertArrayEquals(new int[] {150, 2, 0, 20}, s.imageCounts()); // ids 1, 3, 4, 5
        assertEquals(List.of(150, 2, 0, 40), s.categories().stream().map(CategoryStat::instanceCount).toList());
        assertArrayEquals(new double[] {0.75, 0.01, 0, 0.1}, s.imageFractions(), 1e-15);
        // r_c = max(1, sqrt(t / f_c)) with t = 0.1
        assertArrayEquals(new double[] {1, Math.sqrt(10), 1, 1}, s.repeatFactors(), 1e-12);
        assertEquals(Map.of(Frequency.RARE, 2, Frequency.COMMON, 1, Frequency.FREQUENT, 1), s.groupSizes());
        String report = s.report();
        assertTrue(report.contains("200 images, 192 annotations, 4 categories (1 without images)"), report);
        assertTrue(report.contains("1 categories > 1"), report);
    }

    @Test
    void lvisPeerFileCountsMatchItsDeclaredImageAndInstanceCounts() {
        // peer/lvis_val_100.json: faster_coco_eval test data (Apache-2.0), LVIS annotations CC BY 4.0;
        // its image_count / instance_count were recomputed for the 100-image subset.
        CocoDataset d = CocoJsonReader.strict().read(ReferenceData.file("peer/lvis_val_100.json"));
        CategoryStatistics s = CategoryStatistics.of(d);
        assertEquals(d.categories().size(), s.categories().size());
        for (CategoryStat c : s.categories()) {
            Category cat = d.category(c.categoryId());
            assertEquals(cat.imageCount().intValue(), c.imageCount(), cat.name());
            assertEquals(cat.instanceCount().intValue(), c.instanceCount(), cat.name());
            assertEquals(cat.frequency(), c.declared());
        }
        assertTrue(s.report().contains("declared 'frequency' differs"));
    }
}
