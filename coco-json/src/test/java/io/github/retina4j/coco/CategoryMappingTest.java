package io.github.retina4j.coco;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class CategoryMappingTest {
    @Test
    void contiguousIndicesFollowAscendingIds() {
        CategoryMapping m = CategoryMapping.of(List.of(Category.coco(90, "toothbrush", null),
                Category.coco(1, "person", null), Category.coco(13, "stop sign", null)));
        assertEquals(3, m.size());
        assertEquals(0, m.toIndex(1));
        assertEquals(1, m.toIndex(13));
        assertEquals(2, m.toIndex(90));
        for (int i = 0; i < m.size(); i++) {
            assertEquals(i, m.toIndex(m.toCategoryId(i)));
        }
        assertEquals("stop sign", m.name(1));
        assertEquals(m, new CategoryMapping(m.categoryIds(), m.names()));
    }

    @Test
    void badInput() {
        CategoryMapping m = new CategoryMapping(new int[] {4, 8}, new String[] {"a", "b"});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.toIndex(5));
        assertTrue(e.getMessage().contains("category id 5"));
        assertThrows(IllegalArgumentException.class, () -> m.name(2));
        assertThrows(IllegalArgumentException.class, () -> new CategoryMapping(new int[] {1, 1}, new String[] {"a", "b"}));
        assertThrows(IllegalArgumentException.class, () -> new CategoryMapping(new int[] {1}, new String[] {"a", "b"}));
        assertThrows(IllegalArgumentException.class, () -> new CategoryMapping(new int[0], new String[0]));
    }
}
