package io.github.retina4j.models.retinanet;

import io.github.retina4j.data.reader.DetectionBatch;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

class DetectionTargetIteratorTest {
    private static final int CLASSES = 3;

    @TempDir
    Path dir;

    private static RetinaNetConfig config() {
        return RetinaNet.small(CLASSES).backbone(new SmallBackboneConfig(new int[]{4, 4, 8, 8, 8})).build();
    }

    /** The fixture batch, the same images with other boxes, and a wider padded batch (other anchor count). */
    private List<DetectionBatch> batches() {
        DetectionBatch a = ShapesLtFixture.batch(dir, CLASSES);
        DetectionBatch b = new DetectionBatch(a.images(), List.of(new float[]{8, 8, 100, 90}, new float[0]),
                List.of(new int[]{2}, new int[0]), List.of(new float[0], new float[0]), a.metas());
        INDArray wide = Nd4j.zeros(a.images().dataType(), 2, 3, ShapesLtFixture.SIZE, ShapesLtFixture.SIZE + 64);
        DetectionBatch c = new DetectionBatch(wide, List.of(new float[]{150, 20, 190, 60}, new float[]{0, 0, 40, 40, 60, 60, 120, 100}),
                List.of(new int[]{1}, new int[]{0, 2}), List.of(new float[0], new float[0]), a.metas());
        return List.of(a, b, c, a, b);
    }

    /** Reused target storage gives, batch by batch, exactly the targets of fresh arrays, and is really reused. */
    @Test
    void reusedTargetBuffersGiveTheSameBatches() {
        RetinaNetConfig config = config();
        List<DetectionBatch> batches = batches();
        DetectionTargetIterator fresh = new DetectionTargetIterator(batches,
                DetectionTargetIterator.retinaNetEncoder(config), config);
        DetectionTargetIterator reused = new DetectionTargetIterator(batches,
                DetectionTargetIterator.retinaNetEncoder(config), config).reuseTargetBuffers();
        assertTrue(fresh.asyncSupported());
        assertFalse(reused.asyncSupported(), "reused storage must not be queued ahead by DL4J's async wrapper");
        MultiDataSet previous = null;
        long[] storage = new long[batches.size()];
        for (int i = 0; i < batches.size(); i++) {
            MultiDataSet f = fresh.next();
            MultiDataSet r = reused.next();
            for (int k = 0; k < 2; k++) {
                assertIdentical("batch " + i + ", labels " + k, f.getLabels(k), r.getLabels(k));
                assertIdentical("batch " + i + ", mask " + k, f.getLabelsMaskArray(k), r.getLabelsMaskArray(k));
            }
            if (previous != null) {
                // The batch before stays intact while this one is encoded (two buffers in turn).
                MultiDataSet expectPrevious = new DetectionTargetIterator(List.of(batches.get(i - 1)),
                        DetectionTargetIterator.retinaNetEncoder(config), config).next();
                assertIdentical("batch " + (i - 1) + " after batch " + i, expectPrevious.getLabels(0), previous.getLabels(0));
            }
            previous = r;
            storage[i] = r.getLabels(0).data().address();
        }
        assertFalse(reused.hasNext());
        for (int i = DetectionTargetIterator.REUSED_TARGET_BUFFERS; i < storage.length; i++) {
            if (i != 2) { // batch 2 (wider) grows the storage of its buffer
                assertEquals(storage[i - DetectionTargetIterator.REUSED_TARGET_BUFFERS], storage[i], "storage of batch " + i);
            }
        }
    }

    /**
     * With a joint loss (PISA, DESIGN §3.6) the one label is [class targets ; box targets ; group] with the two-output
     * labels in its first C + 4 rows, and the group row numbers each positive's (image, gt) pair: the image's gt offset
     * (gt counts of the images before it) plus the matched gt; −1 on every other anchor.
     */
    @Test
    void jointLabelsCarryTheGroupOfEveryPositive() {
        RetinaNetConfig plain = config();
        RetinaNetConfig joint = plain.toBuilder().jointLoss(new io.github.retina4j.losses.PisaLoss()).build();
        for (DetectionBatch batch : batches()) {
            MultiDataSet two = new DetectionTargetIterator(List.of(batch), DetectionTargetIterator.retinaNetEncoder(plain), plain).next();
            MultiDataSet one = new DetectionTargetIterator(List.of(batch), DetectionTargetIterator.retinaNetEncoder(joint), joint).next();
            INDArray labels = one.getLabels(0);
            assertEquals(1, one.getLabels().length);
            assertEquals(CLASSES + 5, labels.size(1));
            org.nd4j.linalg.indexing.INDArrayIndex all = org.nd4j.linalg.indexing.NDArrayIndex.all();
            assertIdentical("class rows", two.getLabels(0),
                    labels.get(all, org.nd4j.linalg.indexing.NDArrayIndex.interval(0, CLASSES), all));
            assertIdentical("box rows", two.getLabels(1),
                    labels.get(all, org.nd4j.linalg.indexing.NDArrayIndex.interval(CLASSES, CLASSES + 4), all));
            var targets = DetectionTargetIterator.retinaNetEncoder(plain).encode(
                    java.util.stream.IntStream.range(0, batch.size()).mapToObj(i -> io.github.retina4j.data.targets.GroundTruth.of(
                            batch.gtBoxes(i), batch.gtClasses(i), batch.ignoreBoxes(i))).toList(),
                    batch.paddedHeight(), batch.paddedWidth());
            int offset = 0;
            int positives = 0;
            for (int n = 0; n < batch.size(); n++) {
                var asg = targets.assignments().get(n);
                for (int a = 0; a < labels.size(2); a++) {
                    boolean positive = two.getLabelsMaskArray(1).getDouble(n, a) > 0;
                    double expected = positive ? offset + asg.matched(a) : -1;
                    assertEquals(expected, labels.getDouble(n, CLASSES + 4, a), 0.0, "image " + n + ", anchor " + a);
                    positives += positive ? 1 : 0;
                }
                offset += asg.numGt();
            }
            assertEquals(targets.numPositive(), positives);
        }
    }
}
