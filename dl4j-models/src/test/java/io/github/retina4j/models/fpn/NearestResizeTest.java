package io.github.retina4j.models.fpn;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Parity with torch's {@code F.interpolate(x, size=(h, w), mode='nearest')} and its gradient.
 *
 * <p>Fixture {@code resize_ops.json} was generated once with Debian's torch 1.13 ({@code /usr/bin/python3}, CPU,
 * float64, {@code torch.manual_seed(20261122)}): for each (H, W) → (h, w) in 12×20→6×10, 6×10→3×5, 6×10→2×3,
 * 6×10→1×2, 3×5→6×10, 2×3→6×10, 1×2→6×10, 7×5→3×4, 3×4→7×5, 6×10→6×10, 50×84→13×21, 13×21→50×84, 5×7→5×3,
 * 12×20→3×5, 26×3→22×5, 14×4→46×4 (the last two: float32 scale rounds across an integer, see below): x = randn(N, C, H, W) (N = 2, C = 3; 1, 1 for the 50×84 pairs; for 12×20→6×10 and 7×5→3×4 also a
 * copy with x = randint(0, 3), i.e. many ties), W = randn(N, C, h, w);
 * stored {@code nearest = F.interpolate(x, size=(h, w), mode='nearest')} and
 * {@code nearestGrad = autograd.grad((nearest * W).sum(), x)} (likewise {@code adaptiveMax*} with
 * {@code F.adaptive_max_pool2d(x, (h, w))}), tensors as {@code {shape, data}} row-major.
 *
 * <p>Index arithmetic: for float32 tensors (the detector's type) torch 1.13 computes the nearest source index with
 * a float32 scale in forward and backward; for float64 its forward kernel for C &gt; 1 switches to float64
 * arithmetic while the backward stays float32 (measured). We implement the float32 rule. The two size pairs where
 * the two rules pick different rows (26→22, 14→46) are therefore generated in float32 ({@code "float32": true}:
 * x = randn float32, W = randint(−8, 8)/4 so that float32 gradient sums are exact) and compared the same way.
 */
class NearestResizeTest {

    @AfterEach
    void restorePaths() {
        NearestResize.integerFactorPath = true;
    }

    @ParameterizedTest(name = "integer-factor path {0}")
    @ValueSource(booleans = {true, false})
    void matchesTorchForwardAndGradient(boolean integerFactorPath) {
        NearestResize.integerFactorPath = integerFactorPath;
        TorchFixture.assertMatchesResizeCases(NearestResize.INSTANCE, "nearest");
    }

    @Test
    void sourceIndicesUseFloat32Scale() {
        // in = 5, out = 3: scale = 5/3 in float32; i = 2 → floor(3.3333333) = 3
        assertArrayEquals(new int[]{0, 1, 3}, NearestResize.sourceIndices(5, 3));
        assertArrayEquals(new int[]{0, 0, 1, 1, 2, 2}, NearestResize.sourceIndices(3, 6));
        // 26 → 22, i = 11: exact 11·26/22 = 13, but float32(26/22)·11 = 12.999999 → 12 (torch 1.13 gives 12)
        assertEquals(12, NearestResize.sourceIndices(26, 22)[11]);
        // 14 → 46, i = 23: exact 7, float32 6
        assertEquals(6, NearestResize.sourceIndices(14, 46)[23]);
        assertArrayEquals(new int[]{0, 0, 0, 1, 1, 2, 2}, NearestResize.sourceIndices(3, 7));
        // every source index is in range and non-decreasing, for many size pairs
        for (int in = 1; in <= 40; in++) {
            for (int out = 1; out <= 40; out++) {
                int[] s = NearestResize.sourceIndices(in, out);
                for (int i = 0; i < out; i++) {
                    assertTrue(s[i] >= 0 && s[i] < in && (i == 0 || s[i] >= s[i - 1]), in + "->" + out + " at " + i);
                }
            }
        }
    }

    @Test
    void worksInFloat() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 2, 3, 5);
        INDArray out = Nd4j.create(DataType.FLOAT, 1, 2, 7, 4);
        NearestResize.INSTANCE.forward(x, out);
        int[] rows = NearestResize.sourceIndices(3, 7), cols = NearestResize.sourceIndices(5, 4);
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(x.getFloat(0, 1, rows[i], cols[j]), out.getFloat(0, 1, i, j));
            }
        }
    }

    @Test
    void rejectsMismatchedShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NearestResize.INSTANCE
                .forward(Nd4j.zeros(DataType.DOUBLE, 1, 2, 3, 3), Nd4j.zeros(DataType.DOUBLE, 1, 3, 6, 6)));
        assertTrue(e.getMessage().contains("[1, 2, 3, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NearestResize.sourceIndices(0, 3));
    }
}
