package io.github.retina4j.data.targets;

import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.boxes.BoxCoder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetBuffersTest {
    private static final int C = 4;
    private static final int H = 128;
    private static final int W = 192;

    private static final GroundTruth MANY = GroundTruth.of(new double[] {
            10, 12, 50, 60, 70, 70, 120, 110, 100, 20, 180, 90, 4, 80, 60, 126}, new int[] {0, 2, 3, 1}, null);
    private static final GroundTruth FEW = GroundTruth.of(new double[] {30, 20, 90, 64}, new int[] {3}, null);
    private static final GroundTruth CROWDED = GroundTruth.of(new double[] {40, 40, 100, 100}, new int[] {1},
            new double[] {0, 0, 64, 64});

    private static void assertSameTargets(DenseTargets expected, DenseTargets actual, String what) {
        assertIdentical(what + ": class targets", expected.classTargets(), actual.classTargets());
        assertIdentical(what + ": box targets", expected.boxTargets(), actual.boxTargets());
        assertIdentical(what + ": class mask", expected.classMask(), actual.classMask());
        assertIdentical(what + ": box mask", expected.boxMask(), actual.boxMask());
        assertEquals(expected.numPositive(), actual.numPositive(), what + ": positives");
    }

    /** A second encode into the same buffers leaves nothing of the first (sparse clear) and reuses the arrays. */
    @Test
    void reusedBuffersGiveTheTargetsOfAFreshEncode() {
        TargetEncoder enc = TargetEncoder.retinaNet(new AnchorGenerator(AnchorConfig.retinaNet()), C);
        TargetBuffers buffers = enc.newBuffers(2, H, W);
        List<List<GroundTruth>> batches = List.of(List.of(MANY, FEW), List.of(FEW, GroundTruth.empty()),
                List.of(CROWDED, MANY), List.of(GroundTruth.empty(), GroundTruth.empty()));
        DenseTargets first = null;
        for (int i = 0; i < batches.size(); i++) {
            DenseTargets reused = enc.encodeInto(batches.get(i), H, W, buffers);
            assertSameTargets(enc.encode(batches.get(i), H, W), reused, "batch " + i);
            if (first == null) {
                first = reused;
                assertTrue(reused.numPositive() > 10, "the first batch must set many positives to be cleared later");
            } else {
                assertEquals(first.classTargets().data().address(), reused.classTargets().data().address(),
                        "the class target storage is reused");
                assertEquals(first.boxTargets().data().address(), reused.boxTargets().data().address(),
                        "the box target storage is reused");
            }
        }
        assertEquals(0.0, first.classTargets().sumNumber().doubleValue(), "after an empty batch nothing is left set");
        assertEquals(0.0, first.boxTargets().amaxNumber().doubleValue());
    }

    /** With an anchor sampler, reused buffers hold exactly the sample of a fresh encode with the same seed. */
    @Test
    void reusedBuffersWithSampler() {
        TargetEncoder enc = new TargetEncoder(new AnchorGenerator(AnchorConfig.retinaNet()),
                new MaxIoUAssigner(MaxIoUAssigner.Config.retinaNet()), BoxCoder.torchvisionDefault(), C,
                CombinedSampler.random(64, 0.25), 1L);
        TargetBuffers buffers = enc.newBuffers(1, H, W);
        enc.encodeInto(List.of(MANY), H, W, new Random(3), buffers);
        DenseTargets reused = enc.encodeInto(List.of(FEW), H, W, new Random(4), buffers);
        assertSameTargets(enc.encode(List.of(FEW), H, W, new Random(4)), reused, "sampled");
    }

    /** Batches of other sizes (smaller, then larger: growth) are laid over the same storage with exact shapes. */
    @Test
    void storageServesBatchesOfEveryShape() {
        TargetEncoder enc = TargetEncoder.retinaNet(new AnchorGenerator(AnchorConfig.retinaNet()), C);
        TargetBuffers buffers = new TargetBuffers();
        assertEquals(0, buffers.classCapacity());
        int[][] sizes = {{H, W}, {H, W - 64}, {H - 32, W}, {H + 64, W + 32}, {H, W}};
        List<List<GroundTruth>> batches = List.of(List.of(MANY, FEW), List.of(FEW), List.of(CROWDED, MANY, FEW),
                List.of(MANY, CROWDED), List.of(FEW, FEW));
        long capacity = 0;
        long largest = 0;
        for (int i = 0; i < sizes.length; i++) {
            DenseTargets reused = enc.encodeInto(batches.get(i), sizes[i][0], sizes[i][1], buffers);
            DenseTargets fresh = enc.encode(batches.get(i), sizes[i][0], sizes[i][1]);
            assertEquals(java.util.Arrays.toString(fresh.classTargets().shape()),
                    java.util.Arrays.toString(reused.classTargets().shape()), "shape of batch " + i);
            assertSameTargets(fresh, reused, "batch " + i);
            assertTrue(buffers.classCapacity() >= capacity, "storage never shrinks");
            capacity = buffers.classCapacity();
            largest = Math.max(largest, fresh.classTargets().length());
        }
        assertEquals(largest, capacity, "the storage is as large as the largest batch");
        assertThrows(IllegalArgumentException.class, () -> enc.encodeInto(List.of(MANY), H, W, null));
        assertThrows(IllegalArgumentException.class, () -> new TargetBuffers(0, C, 10));
    }
}
