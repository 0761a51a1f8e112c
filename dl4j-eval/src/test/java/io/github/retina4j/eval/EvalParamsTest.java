package io.github.retina4j.eval;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class EvalParamsTest {

    @Test
    void cocoDefaults() {
        EvalParams p = EvalParams.coco();
        assertEquals(10, p.iouThresholds().length);
        assertEquals(101, p.recallThresholds().length);
        assertArrayEquals(new int[] {1, 10, 100}, p.maxDets());
        assertEquals(List.of("all", "small", "medium", "large"), p.areaRanges().stream().map(AreaRange::label).toList());
        assertEquals(5, p.iouIndex(0.75));
        assertEquals(0, p.iouIndex(0.5));
        assertEquals(-1, p.iouIndex(0.9)); // numpy's value is 0.8999999999999999
        assertEquals(0, p.maxDetsPerImage());
        assertEquals(300, EvalParams.lvis().maxDetsPerImage());
    }

    @Test
    void linspaceIsNumpysFormula() {
        double[] r = EvalParams.linspace(0, 1, 101);
        assertEquals(3 * 0.01, r[3], 0.0);   // 0.03 as numpy computes it: i * step + start
        assertEquals(1.0, r[100], 0.0);
        assertEquals(0.8999999999999999, EvalParams.linspace(0.5, 0.95, 10)[8], 0.0);
    }

    @Test
    void rejectsBadParameters() {
        double[] iou = {0.5};
        double[] rec = {0, 1};
        List<AreaRange> all = List.of(new AreaRange("all", 0, 1e10));
        assertThrows(IllegalArgumentException.class, () -> new EvalParams(new double[] {0.6, 0.5}, rec, all, new int[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> new EvalParams(iou, rec, List.of(), new int[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> new EvalParams(iou, rec, all, new int[] {10, 1}, 0));
        assertThrows(IllegalArgumentException.class, () -> new AreaRange("x", 5, 1));
    }
}
