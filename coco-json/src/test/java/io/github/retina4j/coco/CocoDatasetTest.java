package io.github.retina4j.coco;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CocoDatasetTest {
    private static final List<Category> CATS = List.of(Category.coco(9, "b", null), Category.coco(2, "a", null));

    @Test
    void lookups() {
        Annotation a1 = Annotation.box(10, 1, 9, 0, 0, 5, 5, false);
        Annotation a2 = Annotation.box(11, 1, 2, 1, 1, 5, 5, false);
        CocoDataset d = new CocoDataset(List.of(ImageInfo.coco(1, "a", 10, 10), ImageInfo.coco(3, "b", 10, 10)),
                List.of(a1, a2), CATS);
        assertEquals(List.of(a1, a2), d.annotationsOf(1));
        assertEquals(List.of(), d.annotationsOf(3));
        assertEquals(1, d.imageIndex(3));
        assertEquals("b", d.category(9).name());
        assertThrows(IllegalArgumentException.class, () -> d.image(2));
        assertThrows(IllegalArgumentException.class, () -> d.annotationsOf(2));
        assertThrows(IllegalArgumentException.class, () -> d.category(1));
        assertThrows(UnsupportedOperationException.class, () -> d.annotations().add(a1));
        assertEquals(List.of(2, 9), java.util.Arrays.stream(d.categoryMapping().categoryIds()).boxed().toList());
    }

    @Test
    void rejectsBrokenReferences() {
        ImageInfo im = ImageInfo.coco(1, "a", 10, 10);
        AnnotationFormatException e = assertThrows(AnnotationFormatException.class, () -> new CocoDataset(List.of(im),
                List.of(Annotation.box(10, 2, 9, 0, 0, 5, 5, false)), CATS));
        assertTrue(e.getMessage().contains("annotations[0] (id 10)") && e.getMessage().contains("unknown image_id 2"));
        assertThrows(AnnotationFormatException.class, () -> new CocoDataset(List.of(im),
                List.of(Annotation.box(10, 1, 4, 0, 0, 5, 5, false)), CATS));
        assertThrows(AnnotationFormatException.class, () -> new CocoDataset(List.of(im, im), List.of(), CATS));
    }

    @Test
    void lvisDetectionAndFileNameFromUrl() {
        ImageInfo lvis = ImageInfo.lvis(7, null, 10, 10, "http://images.cocodataset.org/val2017/000000000007.jpg",
                List.of(2), List.of());
        assertEquals("val2017/000000000007.jpg", lvis.resolvedFileName());
        assertTrue(new CocoDataset(List.of(lvis), List.of(), CATS).isLvis());
        assertFalse(new CocoDataset(List.of(ImageInfo.coco(1, "a", 1, 1)), List.of(), CATS).isLvis());
    }
}
