package io.github.retina4j.models.inference;

import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.models.io.ClassScoring;
import io.github.retina4j.models.io.PostProcessConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link DetectionPostProcessor} selects candidates from logit bounds and scores only those; it must give exactly the
 * detections (same boxes, scores, classes, order) of {@link ExhaustivePostProcessing}, which scores every pair. Inputs
 * cover the cases where a bound could be wrong: ties (quantised and saturated logits), logits a few ulps around the
 * threshold, thresholds 0 and LVIS's 10⁻⁴, top-k binding with many near-equal candidates, every {@link ClassScoring}
 * form (including negative and zero logit weights), double and non-contiguous inputs, batches.
 */
class DetectionPostProcessorEquivalenceTest {

    /** Three levels of an 8-wide grid with 3 anchors per position: 96 + 24 + 6 anchors. */
    private static final int[] PER_LEVEL = {96, 24, 6};
    private static final int A = 126;

    private static double[] anchors(SplittableRandom rnd) {
        double[] a = new double[4 * A];
        int i = 0;
        int[] grid = {32, 8, 2};
        for (int l = 0; l < 3; l++) {
            double stride = 128.0 / Math.sqrt(grid[l] * 2);
            for (int p = 0; p < grid[l]; p++) {
                for (int k = 0; k < 3; k++) {
                    double cx = (p % 8) * stride + stride / 2 + rnd.nextDouble();
                    double cy = (p / 8) * stride + stride / 2;
                    double s = stride * (1 + k * 0.5) * 2;
                    a[4 * i] = cx - s / 2;
                    a[4 * i + 1] = cy - s / 3;
                    a[4 * i + 2] = cx + s / 2;
                    a[4 * i + 3] = cy + s / 3;
                    i++;
                }
            }
        }
        return a;
    }

    private static CategoryMapping categories(int c) {
        int[] ids = new int[c];
        String[] names = new String[c];
        for (int i = 0; i < c; i++) {
            ids[i] = 2 * i + 1;
            names[i] = "c" + i;
        }
        return new CategoryMapping(ids, names);
    }

    private enum Kind { RANDOM, REALISTIC, QUANTISED, SATURATED, AT_THRESHOLD, FLAT }

    private static float[] logits(Kind kind, int n, int c, SplittableRandom rnd, float thresholdLogit) {
        float[] v = new float[n * c * A];
        for (int i = 0; i < v.length; i++) {
            switch (kind) {
                case RANDOM -> v[i] = (float) rnd.nextGaussian();
                case REALISTIC -> v[i] = (float) (-6.6 + rnd.nextGaussian());
                case QUANTISED -> v[i] = rnd.nextInt(6) - 3.5f;
                case SATURATED -> v[i] = 15 + rnd.nextInt(20);
                case AT_THRESHOLD -> v[i] = Math.nextUp(thresholdLogit) + (rnd.nextInt(9) - 4) * Math.ulp(thresholdLogit);
                case FLAT -> v[i] = -1.5f + (float) (1e-3 * rnd.nextGaussian());
            }
        }
        if (kind == Kind.REALISTIC) {
            // clusters of a few classes on neighbouring anchors
            for (int img = 0; img < n; img++) {
                for (int o = 0; o < 6; o++) {
                    int cls = rnd.nextInt(c);
                    int centre = rnd.nextInt(A);
                    for (int j = Math.max(0, centre - 5); j < Math.min(A, centre + 5); j++) {
                        v[(img * c + cls) * A + j] = (float) (1 + rnd.nextGaussian());
                        int other = rnd.nextInt(c);
                        v[(img * c + other) * A + j] = (float) (-2 + rnd.nextGaussian());
                    }
                }
            }
        }
        return v;
    }

    private static void assertSame(PostProcessConfig config, ClassScoring scoring, INDArray logits, INDArray deltas,
                                   INDArray anchors, String what) {
        int n = (int) logits.size(0);
        int c = (int) logits.size(1);
        CategoryMapping cats = categories(c);
        BoxCoder coder = BoxCoder.torchvisionDefault();
        List<ImageMeta> metas = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            metas.add(new ImageMeta(i, null, 100, 90, 120, 110, 1.2, 1.2, i % 2 == 1));
        }
        List<ImageDetections> expected = ExhaustivePostProcessing.process(config, coder, cats, scoring, logits, deltas,
                anchors, PER_LEVEL, metas);
        List<ImageDetections> actual = new DetectionPostProcessor(config, coder, cats, scoring)
                .process(logits, deltas, anchors, PER_LEVEL, metas);
        for (int i = 0; i < n; i++) {
            assertEquals(expected.get(i).detections(), actual.get(i).detections(), what + ", image " + i);
        }
    }

    private static final List<ClassScoring> SCORINGS = List.of(
            ClassScoring.sigmoid(),
            new ClassScoring(ClassScoring.Activation.GUMBEL, null, null, null),
            new ClassScoring(ClassScoring.Activation.SIGMOID, new double[] {1.5, -0.7, 0, 2, 0.3}, null, null),
            new ClassScoring(ClassScoring.Activation.SIGMOID, null, new double[] {400, 1, 0, 25, 9}, new ClassScoring.NorCal(0.5, true)),
            new ClassScoring(ClassScoring.Activation.SIGMOID, null, new double[] {400, 1, 0, 25, 9}, new ClassScoring.NorCal(0.7, false)),
            new ClassScoring(ClassScoring.Activation.GUMBEL, new double[] {0.8, 1.2, -1, 1, 3}, new double[] {50, 2, 7, 1, 1000},
                    new ClassScoring.NorCal(0.5, true)));

    @Test
    void everyInputKindThresholdTopKAndScoringGivesTheExhaustiveDetections() {
        SplittableRandom rnd = new SplittableRandom(11);
        int n = 2;
        int c = 5;
        INDArray anchors = Nd4j.create(anchors(rnd), new long[] {A, 4}, 'c').castTo(DataType.FLOAT);
        int cases = 0;
        for (double thr : new double[] {0.05, 0.0001, 0, 0.5}) {
            float thresholdLogit = (float) Math.log(thr / (1 - thr));
            for (int topK : new int[] {1000, 7, 1}) {
                for (Kind kind : Kind.values()) {
                    float[] l = logits(kind, n, c, rnd, thr == 0 ? 0f : thresholdLogit);
                    float[] d = new float[n * 4 * A];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = (float) (0.3 * rnd.nextGaussian());
                    }
                    INDArray logits = Nd4j.create(l, new long[] {n, c, A}, 'c');
                    INDArray deltas = Nd4j.create(d, new long[] {n, 4, A}, 'c');
                    PostProcessConfig config = new PostProcessConfig(thr, topK, 0.5, 20, 0);
                    for (ClassScoring scoring : SCORINGS) {
                        assertSame(config, scoring, logits, deltas, anchors,
                                kind + ", threshold " + thr + ", top-k " + topK + ", " + scoring);
                        cases++;
                    }
                }
            }
        }
        assertEquals(4 * 3 * Kind.values().length * SCORINGS.size(), cases);
    }

    @Test
    void manyCandidatesPerLevelForceTheBufferToRaiseItsBar() {
        // 80 classes × 96 anchors on level 0: far more passing pairs than the buffer holds, all levels binding
        SplittableRandom rnd = new SplittableRandom(5);
        int c = 80;
        INDArray anchors = Nd4j.create(anchors(rnd), new long[] {A, 4}, 'c').castTo(DataType.FLOAT);
        for (Kind kind : new Kind[] {Kind.RANDOM, Kind.QUANTISED, Kind.FLAT, Kind.SATURATED}) {
            float[] l = logits(kind, 1, c, rnd, 0f);
            float[] d = new float[4 * A];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) (0.3 * rnd.nextGaussian());
            }
            INDArray logits = Nd4j.create(l, new long[] {1, c, A}, 'c');
            INDArray deltas = Nd4j.create(d, new long[] {1, 4, A}, 'c');
            for (int topK : new int[] {50, 100, 1000}) {
                assertSame(new PostProcessConfig(0.05, topK, 0.5, 100, 0), ClassScoring.sigmoid(), logits, deltas, anchors,
                        kind + ", top-k " + topK);
            }
        }
    }

    @Test
    void doubleAndNonContiguousInputsGiveTheExhaustiveDetections() {
        SplittableRandom rnd = new SplittableRandom(8);
        int c = 5;
        double[] anchorValues = anchors(rnd);
        float[] l = logits(Kind.REALISTIC, 2, c, rnd, 0f);
        float[] d = new float[2 * 4 * A];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (0.3 * rnd.nextGaussian());
        }
        INDArray logits = Nd4j.create(l, new long[] {2, c, A}, 'c');
        INDArray deltas = Nd4j.create(d, new long[] {2, 4, A}, 'c');
        PostProcessConfig config = PostProcessConfig.coco();
        // double everything (the anchors keep their double values)
        assertSame(config, ClassScoring.sigmoid(), logits.castTo(DataType.DOUBLE), deltas.castTo(DataType.DOUBLE),
                Nd4j.create(anchorValues, new long[] {A, 4}, 'c'), "double inputs");
        // f-order copies and views (a permuted [N, A, C] array seen as [N, C, A])
        INDArray anchors = Nd4j.create(anchorValues, new long[] {A, 4}, 'c').castTo(DataType.FLOAT);
        INDArray permuted = logits.permute(0, 2, 1).dup('c').permute(0, 2, 1);
        assertSame(config, ClassScoring.sigmoid(), permuted, deltas.dup('f'), anchors.dup('f'), "views and f order");
        // one image of a larger batch (a view with an offset)
        INDArray three = Nd4j.concat(0, logits, logits.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)));
        INDArray threeDeltas = Nd4j.concat(0, deltas, deltas.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)));
        INDArray last = three.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));
        INDArray lastDeltas = threeDeltas.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));
        assertTrue(last.isView());
        assertSame(config, ClassScoring.sigmoid(), last, lastDeltas, anchors, "batch views");
    }

    /**
     * The margins of the candidate bounds assume ND4J's float sigmoid is within {@link CandidateSelection#SCORE_ERROR}
     * of the exact σ of the float logit, and that its value for an element does not depend on the array it is in
     * (the candidates are scored in a short gathered array, the exhaustive path in the whole one).
     */
    @Test
    void nd4jSigmoidIsAccurateAndElementwise() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 1 << 20;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextBoolean() ? 30 * (2 * rnd.nextDouble() - 1) : 4 * rnd.nextGaussian());
        }
        float[] full = Transforms.sigmoid(Nd4j.createFromArray(x), true).data().asFloat();
        double maxError = 0;
        for (int i = 0; i < n; i++) {
            maxError = Math.max(maxError, Math.abs(full[i] - 1 / (1 + Math.exp(-(double) x[i]))));
        }
        assertTrue(maxError < CandidateSelection.SCORE_ERROR / 4, "ND4J sigmoid error " + maxError);
        for (int t = 0; t < 300; t++) {
            int len = 1 + rnd.nextInt(t < 200 ? 40 : 5000);
            int[] pick = new int[len];
            float[] g = new float[len];
            for (int i = 0; i < len; i++) {
                pick[i] = rnd.nextInt(n);
                g[i] = x[pick[i]];
            }
            float[] s = Transforms.sigmoid(Nd4j.createFromArray(g), false).data().asFloat();
            for (int i = 0; i < len; i++) {
                assertEquals(Float.floatToIntBits(full[pick[i]]), Float.floatToIntBits(s[i]),
                        "sigmoid(" + g[i] + ") in an array of " + len);
            }
        }
    }
}
