package io.github.retina4j.models.inference;

import io.github.retina4j.models.io.ClassScoring;
import io.github.retina4j.models.io.PostProcessConfig;

import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.boxes.BoxCoder;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DetectionPostProcessorTest {

    /** Dataset ids are deliberately non-contiguous: index 0 → 7, 1 → 3, 2 → 90. */
    private static final CategoryMapping CATS = new CategoryMapping(new int[] {7, 3, 90}, new String[] {"cat", "dog", "kite"});
    private static final int C = 3;
    /** Level 0: four anchors; level 1: two anchors. */
    private static final int[] PER_LEVEL = {4, 2};
    private static final double[][] ANCHORS = {
        {0, 0, 20, 20}, {10, 10, 30, 30}, {40, 40, 60, 60}, {2, 0, 22, 20},
        {0, 0, 80, 80}, {40, 0, 100, 60}};
    private static final int A = ANCHORS.length;

    /** Logit whose sigmoid is p. */
    private static double logit(double p) {
        return Math.log(p / (1 - p));
    }

    private static INDArray background(int n) {
        return Nd4j.valueArrayOf(new long[] {n, C, A}, logit(0.001), DataType.FLOAT);
    }

    private static INDArray anchors() {
        return Nd4j.createFromArray(ANCHORS).castTo(DataType.FLOAT);
    }

    private static DetectionPostProcessor processor(PostProcessConfig cfg) {
        return new DetectionPostProcessor(cfg, BoxCoder.torchvisionDefault(), CATS);
    }

    private static List<Detection> run(PostProcessConfig cfg, INDArray logits, INDArray deltas, ImageMeta meta) {
        return processor(cfg).process(logits, deltas, anchors(), PER_LEVEL, List.of(meta)).get(0).detections();
    }

    private static final ImageMeta IDENTITY = DetectionPostProcessor.identityMeta(1, 100, 100);

    /** NorCal re-ranks the classes of one anchor: the frequent class's score drops below the rare one's. */
    @Test
    void classScoringIsAppliedBeforeThresholdAndRanking() {
        INDArray logits = background(1);
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 1, 4, A);
        logits.putScalar(new int[] {0, 0, 2}, logit(0.8));    // frequent class 0
        logits.putScalar(new int[] {0, 1, 2}, logit(0.6));    // rare class 1, same anchor
        ClassScoring norcal = new ClassScoring(ClassScoring.Activation.SIGMOID, null, new double[] {400, 1, 1},
                new ClassScoring.NorCal(0.5, true));
        List<Detection> dets = new DetectionPostProcessor(PostProcessConfig.coco(), BoxCoder.torchvisionDefault(), CATS, norcal)
                .process(logits, deltas, anchors(), PER_LEVEL, List.of(IDENTITY)).get(0).detections();
        assertEquals(2, dets.size());
        assertEquals(1, dets.get(0).classIndex());
        assertEquals(0.6, dets.get(0).score(), 1e-6);                          // n = 1: unchanged
        assertEquals((0.8 / 20) / (0.8 / 20 + 0.2), dets.get(1).score(), 1e-6); // (p/√400) / (p/√400 + 1 − p)
        // plain sigmoid scoring through the general constructor is the default path, bit for bit
        List<Detection> plain = run(PostProcessConfig.coco(), logits, deltas, IDENTITY);
        List<Detection> viaScoring = new DetectionPostProcessor(PostProcessConfig.coco(), BoxCoder.torchvisionDefault(), CATS,
                ClassScoring.sigmoid()).process(logits, deltas, anchors(), PER_LEVEL, List.of(IDENTITY)).get(0).detections();
        assertEquals(plain, viaScoring);
        assertEquals(0, plain.get(0).classIndex());
    }

    @Test
    void knownBoxesComeOutWithScoresAndDatasetCategoryIds() {
        INDArray logits = background(1);
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 1, 4, A);
        logits.putScalar(new int[] {0, 1, 2}, logit(0.9));     // anchor 2, class 1, zero deltas → the anchor itself
        logits.putScalar(new int[] {0, 2, 4}, logit(0.7));     // anchor 4, class 2, shifted and scaled
        deltas.putScalar(new int[] {0, 0, 4}, 0.25);           // dx: centre 40 → 60
        deltas.putScalar(new int[] {0, 3, 4}, Math.log(0.5));  // dh: height 80 → 40
        List<Detection> dets = run(PostProcessConfig.coco(), logits, deltas, IDENTITY);
        assertEquals(2, dets.size());
        Detection d0 = dets.get(0);
        assertEquals(0.9, d0.score(), 1e-6);
        assertEquals(1, d0.classIndex());
        assertEquals(3, d0.categoryId());
        assertEquals("dog", d0.categoryName());
        assertArrayEquals(new double[] {40, 40, 60, 60}, new double[] {d0.x1(), d0.y1(), d0.x2(), d0.y2()}, 1e-4);
        Detection d1 = dets.get(1);
        assertEquals(90, d1.categoryId());
        assertArrayEquals(new double[] {20, 20, 100, 60}, new double[] {d1.x1(), d1.y1(), d1.x2(), d1.y2()}, 1e-4);
        assertArrayEquals(new double[] {20, 20, 80, 40}, d1.cocoBbox(), 1e-4);
        // results records for the evaluators carry the dataset ids and COCO boxes
        var results = new ImageDetections(IDENTITY, dets).toResults();
        assertEquals(2, results.size());
        assertEquals(1, results.get(1).imageId());
        assertEquals(90, results.get(1).categoryId());
        assertArrayEquals(new double[] {20, 20, 80, 40}, new double[] {results.get(1).x(), results.get(1).y(),
            results.get(1).width(), results.get(1).height()}, 1e-4);
        assertEquals(d1.score(), results.get(1).score(), 0);
    }

    @Test
    void scoreThresholdIsStrictAndConfigurable() {
        INDArray logits = background(1);
        logits.putScalar(new int[] {0, 0, 0}, logit(0.049));
        logits.putScalar(new int[] {0, 0, 2}, logit(0.051));
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 1, 4, A);
        List<Detection> coco = run(PostProcessConfig.coco(), logits, deltas, IDENTITY);
        assertEquals(1, coco.size());
        assertEquals(0.051, coco.get(0).score(), 1e-6);
        // the LVIS preset keeps almost everything: 2 + every background pair (0.001 > 0.0001) up to 300
        List<Detection> lvis = run(PostProcessConfig.lvis(), logits, deltas, IDENTITY);
        assertTrue(lvis.size() > 2, "LVIS threshold keeps low scores, got " + lvis.size());
        assertEquals(0.051, lvis.get(0).score(), 1e-6);
    }

    @Test
    void topKIsAppliedPerLevel() {
        INDArray logits = background(1);
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 1, 4, A);
        // level 0: three non-overlapping candidates of different classes; level 1: one weak candidate
        logits.putScalar(new int[] {0, 0, 0}, logit(0.9));
        logits.putScalar(new int[] {0, 1, 2}, logit(0.8));
        logits.putScalar(new int[] {0, 2, 1}, logit(0.7));
        logits.putScalar(new int[] {0, 0, 5}, logit(0.2));
        List<Detection> dets = run(PostProcessConfig.coco().withTopKPerLevel(2), logits, deltas, IDENTITY);
        // the 0.7 candidate is third on level 0 and dropped; the 0.2 one is first on level 1 and kept
        assertEquals(3, dets.size());
        assertArrayEquals(new double[] {0.9, 0.8, 0.2},
                dets.stream().mapToDouble(Detection::score).toArray(), 1e-6);
    }

    @Test
    void topKTiesKeepTheLowestClassMajorIndex() {
        // every pair has the same score: level 0 keeps class 0's anchors 0 and 1, level 1 class 0's anchors 4 and 5
        INDArray logits = Nd4j.valueArrayOf(new long[] {1, C, A}, logit(0.5), DataType.FLOAT);
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 1, 4, A);
        List<Detection> dets = run(PostProcessConfig.coco().withTopKPerLevel(2).withNmsIouThreshold(1.0), logits, deltas, IDENTITY);
        assertEquals(4, dets.size());
        for (Detection d : dets) {
            assertEquals(0, d.classIndex());
        }
        assertArrayEquals(new double[] {0, 10, 0, 40}, dets.stream().mapToDouble(Detection::x1).toArray(), 1e-6);
    }

    @Test
    void rankKeysOrderByScoreThenIndex() {
        Random rnd = new Random(5);
        for (int t = 0; t < 1000; t++) {
            float s1 = rnd.nextInt(4) / 4f, s2 = rnd.nextInt(4) / 4f;
            int i1 = rnd.nextInt(1 << 30), i2 = rnd.nextInt(1 << 30);
            long k1 = DetectionPostProcessor.rankKey(s1, i1), k2 = DetectionPostProcessor.rankKey(s2, i2);
            boolean better = s1 > s2 || (s1 == s2 && i1 < i2);
            assertEquals(better, k1 > k2, s1 + "/" + i1 + " vs " + s2 + "/" + i2);
            assertEquals(i1, DetectionPostProcessor.indexOf(k1));
        }
    }

    @Test
    void nmsIsClassWiseAndMaxDetectionsIsHonoured() {
        INDArray logits = background(1);
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 1, 4, A);
        // anchors 0 and 3 overlap with IoU 18·20/(2·400 − 360) ≈ 0.82
        logits.putScalar(new int[] {0, 0, 0}, logit(0.9));
        logits.putScalar(new int[] {0, 0, 3}, logit(0.8));  // same class: suppressed
        logits.putScalar(new int[] {0, 1, 3}, logit(0.6));  // other class: kept
        logits.putScalar(new int[] {0, 2, 5}, logit(0.5));
        List<Detection> dets = run(PostProcessConfig.coco(), logits, deltas, IDENTITY);
        assertArrayEquals(new double[] {0.9, 0.6, 0.5}, dets.stream().mapToDouble(Detection::score).toArray(), 1e-6);
        assertArrayEquals(new int[] {0, 1, 2}, dets.stream().mapToInt(Detection::classIndex).toArray());
        // a looser NMS threshold keeps the overlapping pair
        assertEquals(4, run(PostProcessConfig.coco().withNmsIouThreshold(0.9), logits, deltas, IDENTITY).size());
        // max detections keeps the best ones
        List<Detection> two = run(PostProcessConfig.coco().withMaxDetectionsPerImage(2), logits, deltas, IDENTITY);
        assertArrayEquals(new double[] {0.9, 0.6}, two.stream().mapToDouble(Detection::score).toArray(), 1e-6);
    }

    @Test
    void boxesAreClippedToTheValidAreaAndMappedBackThroughFlipAndScale() {
        INDArray logits = background(1);
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 1, 4, A);
        logits.putScalar(new int[] {0, 0, 1}, logit(0.9));  // anchor [10, 10, 30, 30]
        logits.putScalar(new int[] {0, 1, 5}, logit(0.8));  // anchor [40, 0, 100, 60]: crosses the valid width 50
        // original 25×20 image, resized ×2 to 50×40, flipped, padded on the right/bottom
        ImageMeta meta = new ImageMeta(42, "a.png", 25, 20, 50, 40, 2.0, 2.0, true);
        List<ImageDetections> res = processor(PostProcessConfig.coco()).process(logits, deltas, anchors(), PER_LEVEL, List.of(meta));
        assertEquals(42, res.get(0).imageId());
        List<Detection> dets = res.get(0).detections();
        Detection a = dets.get(0);
        // unflip in width 50: [20, 10, 40, 30]; ÷2: [10, 5, 20, 15]
        assertArrayEquals(new double[] {10, 5, 20, 15}, new double[] {a.x1(), a.y1(), a.x2(), a.y2()}, 1e-6);
        Detection b = dets.get(1);
        // clipped to the valid area [0, 0, 50, 40]: [40, 0, 50, 40]; unflip: [0, 0, 10, 40]; ÷2: [0, 0, 5, 20]
        assertArrayEquals(new double[] {0, 0, 5, 20}, new double[] {b.x1(), b.y1(), b.x2(), b.y2()}, 1e-6);
    }

    @Test
    void flippedAndUnflippedInputsGiveTheSameOriginalBoxes() {
        // property: predicting on the mirrored input and mapping back equals predicting on the input itself
        Random rnd = new Random(3);
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 1, 4, A);
        for (int t = 0; t < 10; t++) {
            int anchor = rnd.nextInt(A);
            INDArray logits = background(1);
            logits.putScalar(new int[] {0, 1, anchor}, logit(0.9));
            // a mirrored anchor set: anchor i of the flipped input is the mirror of anchor i in a 100-wide valid area
            double[][] mirrored = new double[A][];
            for (int i = 0; i < A; i++) {
                mirrored[i] = new double[] {100 - ANCHORS[i][2], ANCHORS[i][1], 100 - ANCHORS[i][0], ANCHORS[i][3]};
            }
            ImageMeta plain = new ImageMeta(1, null, 80, 80, 100, 100, 1.25, 1.25, false);
            ImageMeta flipped = new ImageMeta(1, null, 80, 80, 100, 100, 1.25, 1.25, true);
            DetectionPostProcessor p = processor(PostProcessConfig.coco());
            Detection d = p.process(logits, deltas, anchors(), PER_LEVEL, List.of(plain)).get(0).detections().get(0);
            Detection m = p.process(logits, deltas, Nd4j.createFromArray(mirrored).castTo(DataType.FLOAT), PER_LEVEL,
                    List.of(flipped)).get(0).detections().get(0);
            assertArrayEquals(new double[] {d.x1(), d.y1(), d.x2(), d.y2()}, new double[] {m.x1(), m.y1(), m.x2(), m.y2()}, 1e-5);
        }
    }

    @Test
    void batchImagesAreIndependent() {
        INDArray logits = background(2);
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 2, 4, A);
        logits.putScalar(new int[] {0, 0, 0}, logit(0.9));
        logits.putScalar(new int[] {1, 2, 4}, logit(0.8));
        List<ImageDetections> res = processor(PostProcessConfig.coco()).process(logits, deltas, anchors(), PER_LEVEL,
                List.of(DetectionPostProcessor.identityMeta(5, 100, 100), DetectionPostProcessor.identityMeta(6, 100, 100)));
        assertEquals(1, res.get(0).size());
        assertEquals(7, res.get(0).detections().get(0).categoryId());
        assertEquals(1, res.get(1).size());
        assertEquals(90, res.get(1).detections().get(0).categoryId());
        assertEquals(6, res.get(1).imageId());
    }

    /**
     * End-to-end against torchvision 0.14.1's {@code RetinaNet.postprocess_detections}.
     * {@code inference/torchvision_postprocess.npz} was made by a script (not committed) that: seeds torch
     * with 1; builds torchvision's RetinaNet {@code AnchorGenerator} (sizes (32, 40, 50) … (512, 645, 812), ratios
     * 0.5/1/2) on a padded 128×256 input with feature maps ⌈128/s⌉×⌈256/s⌉, s = 8..128 (6138 anchors), image size
     * 120×250 inside the padding; draws logits N(−3, 2²) [1, A, 3] and deltas N(0, 0.5²) [1, A, 4]; runs
     * {@code postprocess_detections} of a {@code RetinaNet(score_thresh=0.05, nms_thresh=0.5,
     * detections_per_img=50, topk_candidates=100)} (so that top-k, NMS and the detection cap all bind); and
     * saves logits/deltas as [N, K, A], the anchors, and the resulting boxes, scores and labels.
     */
    @Test
    void matchesTorchvisionPostprocessDetections() throws Exception {
        java.util.Map<String, INDArray> f = io.github.retina4j.models.imports.NpzReader.read(
                java.nio.file.Path.of(getClass().getResource("/inference/torchvision_postprocess.npz").toURI()));
        double[] cfg = f.get("config").data().asDouble();
        PostProcessConfig config = new PostProcessConfig(cfg[0], (int) cfg[1], cfg[2], (int) cfg[3], 0);
        long[] hw = f.get("padded_hw").data().asLong();
        long[] valid = f.get("valid_hw").data().asLong();
        io.github.retina4j.data.anchors.AnchorGenerator gen = new io.github.retina4j.data.anchors.AnchorGenerator(
                io.github.retina4j.data.anchors.AnchorConfig.torchvisionRetinaNet());
        // our torchvision-convention anchors are the ones torchvision used
        assertIdentical("anchors", f.get("anchors"), gen.anchors((int) hw[0], (int) hw[1]));
        int numClasses = (int) f.get("class_logits").size(1);
        int[] ids = new int[numClasses];
        String[] names = new String[numClasses];
        for (int k = 0; k < numClasses; k++) {
            ids[k] = k + 1;
            names[k] = "class" + k;
        }
        CategoryMapping cats = new CategoryMapping(ids, names);
        ImageMeta meta = DetectionPostProcessor.identityMeta(9, (int) valid[1], (int) valid[0]);
        List<Detection> dets = new DetectionPostProcessor(config, BoxCoder.torchvisionDefault(), cats)
                .process(f.get("class_logits"), f.get("box_deltas"), gen, (int) hw[0], (int) hw[1], List.of(meta))
                .get(0).detections();
        float[] boxes = f.get("boxes").data().asFloat();
        float[] scores = f.get("scores").data().asFloat();
        long[] labels = f.get("labels").data().asLong();
        assertEquals(scores.length, dets.size());
        for (int i = 0; i < dets.size(); i++) {
            Detection d = dets.get(i);
            assertEquals(labels[i], d.classIndex(), "detection " + i);
            assertEquals(scores[i], d.score(), 1e-6, "detection " + i);
            assertArrayEquals(new double[] {boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]},
                    new double[] {d.x1(), d.y1(), d.x2(), d.y2()}, 1e-3, "detection " + i);
        }
    }

    @Test
    void shapeMismatchesAreReported() {
        DetectionPostProcessor p = processor(PostProcessConfig.coco());
        INDArray deltas = Nd4j.zeros(DataType.FLOAT, 1, 4, A);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.process(
                Nd4j.zeros(DataType.FLOAT, 1, 5, A), deltas, anchors(), PER_LEVEL, List.of(IDENTITY)));
        assertTrue(e.getMessage().contains("5 classes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p.process(
                background(1), deltas, anchors(), new int[] {4, 3}, List.of(IDENTITY)));
        assertTrue(e.getMessage().contains("sum to 7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> p.process(
                background(1), deltas, anchors(), PER_LEVEL, List.of()));
        assertTrue(e.getMessage().contains("one ImageMeta per image"), e.getMessage());
    }
}
