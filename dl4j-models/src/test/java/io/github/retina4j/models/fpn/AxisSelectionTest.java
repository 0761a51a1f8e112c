package io.github.retina4j.models.fpn;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

class AxisSelectionTest {

    @Test
    void gatherAndItsTransposeAlongBothAxes() {
        int[] source = {0, 0, 2, 3, 3, 3, 4}; // input 1 is read by no output: its gradient is 0
        AxisSelection s = new AxisSelection(source, 5);
        assertFalse(s.isIdentity());
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 5);
        INDArray g = Nd4j.rand(DataType.DOUBLE, 2, 3, 7, 5);
        INDArray gatheredH = s.gather(x, 2, null);
        INDArray backH = s.transposeGather(g, 2);
        INDArray gT = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 7);
        INDArray gatheredW = s.gather(x, 3, null);
        INDArray backW = s.transposeGather(gT, 3);
        for (int n = 0; n < 2; n++) {
            for (int c = 0; c < 3; c++) {
                for (int a = 0; a < 5; a++) {
                    for (int i = 0; i < source.length; i++) {
                        assertEquals(x.getDouble(n, c, source[i], a), gatheredH.getDouble(n, c, i, a));
                        assertEquals(x.getDouble(n, c, a, source[i]), gatheredW.getDouble(n, c, a, i));
                    }
                    for (int r = 0; r < 5; r++) {
                        double sumH = 0, sumW = 0;
                        for (int i = 0; i < source.length; i++) {
                            if (source[i] == r) {
                                sumH += g.getDouble(n, c, i, a);
                                sumW += gT.getDouble(n, c, a, i);
                            }
                        }
                        assertEquals(sumH, backH.getDouble(n, c, r, a), 1e-12);
                        assertEquals(sumW, backW.getDouble(n, c, a, r), 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void factsAboutTheMap() {
        assertTrue(new AxisSelection(new int[]{0, 1, 2}, 3).isIdentity());
        assertEquals(2, new AxisSelection(new int[]{0, 0, 1, 1}, 2).upsamplingFactor());
        assertEquals(0, new AxisSelection(new int[]{0, 1, 1, 1}, 2).upsamplingFactor());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AxisSelection(new int[]{0, 3}, 3));
        assertTrue(e.getMessage().contains("source[1] = 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AxisSelection(new int[]{0, 2, 1}, 3));
        assertTrue(e.getMessage().contains("non-decreasing"), e.getMessage());
    }
}
