package io.github.retina4j.models.retinanet;

import io.github.retina4j.data.boxes.BatchedNms;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.data.boxes.Boxes;
import io.github.retina4j.data.boxes.NmsConfig;
import io.github.retina4j.data.reader.DetectionBatch;
import io.github.retina4j.data.reader.DetectionBatchIterator;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.data.synthetic.Split;
import io.github.retina4j.data.transform.TransformConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** A handful of shapes-lt images as one batch, plus a minimal decode and AP50 for the overfitting tests. */
final class ShapesLtFixture {
    static final int SIZE = 128;

    private ShapesLtFixture() {
    }

    /** 2 train images of 128×128 (3 classes, ≤ 2 objects of 24–48 px), one batch padded to 128×128. */
    static DetectionBatch batch(Path dir, int numClasses) {
        ShapesLtGenerator gen = new ShapesLtGenerator(ShapesLtConfig.builder().seed(7).numClasses(numClasses)
                .trainImages(2).valImages(0).imageSize(SIZE, SIZE).objectSize(24, 48).maxObjectsPerImage(2)
                .longTail(2, 1).negativeIdsPerImage(0).notExhaustiveRate(0).build());
        ShapesLtFiles files = gen.writeTo(dir);
        try (DetectionBatchIterator it = DetectionBatchIterator.builder(gen.cocoDataset(Split.TRAIN), files.images(Split.TRAIN))
                .transform(TransformConfig.evaluation().withScale(SIZE, SIZE).withSizeDivisor(SIZE))
                .batchSize(2).prefetchThreads(0).build()) {
            return it.next();
        }
    }

    /** Sigmoid scores, per-image top candidates above 0.05, decode, class-wise NMS 0.5, best 100. */
    static List<double[]> detect(INDArray logits, INDArray deltas, INDArray anchors, BoxCoder coder, int image) {
        INDArray scores = Transforms.sigmoid(logits.slice(image), true);      // [C, A]
        long c = scores.size(0);
        long a = scores.size(1);
        double[] s = scores.dup('c').data().asDouble();
        List<Integer> cand = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            if (s[i] > NmsConfig.COCO_SCORE_THRESHOLD) {
                cand.add(i);
            }
        }
        cand.sort(Comparator.comparingDouble(i -> -s[i]));
        cand = cand.subList(0, Math.min(cand.size(), 1000));
        INDArray boxes = coder.decode(deltas.slice(image).transpose().dup('c'), anchors);     // [A, 4]
        double[] b = Boxes.toFlat(boxes, "boxes");
        double[] cb = new double[cand.size() * 4];
        double[] cs = new double[cand.size()];
        int[] cc = new int[cand.size()];
        for (int k = 0; k < cand.size(); k++) {
            int idx = cand.get(k);
            int cls = (int) (idx / a);
            int anchor = (int) (idx % a);
            System.arraycopy(b, anchor * 4, cb, k * 4, 4);
            cs[k] = s[idx];
            cc[k] = cls;
        }
        int[] keep = BatchedNms.nms(cb, cs, cc, NmsConfig.iouOnly(NmsConfig.DEFAULT_IOU_THRESHOLD));
        List<double[]> out = new ArrayList<>();
        for (int k = 0; k < Math.min(keep.length, NmsConfig.COCO_MAX_DETECTIONS); k++) {
            int i = keep[k];
            out.add(new double[]{image, cc[i], cs[i], cb[4 * i], cb[4 * i + 1], cb[4 * i + 2], cb[4 * i + 3]});
        }
        return out;
    }

    /**
     * Mean over classes with ground truth of AP at IoU 0.5 (all detections of a class sorted by score, greedy
     * matching to unmatched same-class gt, 101-point interpolated precision as COCO).
     */
    static double ap50(List<double[]> dets, DetectionBatch batch, int numClasses) {
        double sum = 0;
        int classes = 0;
        for (int c = 0; c < numClasses; c++) {
            int nGt = 0;
            List<boolean[]> matched = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                int[] cls = batch.classes(i);
                matched.add(new boolean[cls.length]);
                for (int k : cls) {
                    nGt += k == c ? 1 : 0;
                }
            }
            if (nGt == 0) {
                continue;
            }
            final int cc = c;
            List<double[]> dc = new ArrayList<>(dets.stream().filter(d -> d[1] == cc).toList());
            dc.sort(Comparator.comparingDouble(d -> -d[2]));
            double[] tp = new double[dc.size()];
            for (int k = 0; k < dc.size(); k++) {
                double[] d = dc.get(k);
                int img = (int) d[0];
                float[] g = batch.boxes(img);
                int[] gc = batch.classes(img);
                int best = -1;
                double bestIou = 0.5;
                for (int j = 0; j < gc.length; j++) {
                    if (gc[j] != c || matched.get(img)[j]) {
                        continue;
                    }
                    double iou = iou(d, 3, g, 4 * j);
                    if (iou >= bestIou) {
                        bestIou = iou;
                        best = j;
                    }
                }
                if (best >= 0) {
                    matched.get(img)[best] = true;
                    tp[k] = 1;
                }
            }
            double[] prec = new double[dc.size()];
            double[] rec = new double[dc.size()];
            double cum = 0;
            for (int k = 0; k < dc.size(); k++) {
                cum += tp[k];
                prec[k] = cum / (k + 1);
                rec[k] = cum / nGt;
            }
            for (int k = dc.size() - 2; k >= 0; k--) {
                prec[k] = Math.max(prec[k], prec[k + 1]);
            }
            double ap = 0;
            for (int r = 0; r <= 100; r++) {
                double t = r / 100.0;
                int k = 0;
                while (k < rec.length && rec[k] < t) {
                    k++;
                }
                ap += k < rec.length ? prec[k] : 0;
            }
            sum += ap / 101;
            classes++;
        }
        return sum / classes;
    }

    private static double iou(double[] a, int ao, float[] b, int bo) {
        double iw = Math.min(a[ao + 2], b[bo + 2]) - Math.max(a[ao], b[bo]);
        double ih = Math.min(a[ao + 3], b[bo + 3]) - Math.max(a[ao + 1], b[bo + 1]);
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        double ua = (a[ao + 2] - a[ao]) * (a[ao + 3] - a[ao + 1]) + (b[bo + 2] - b[bo]) * (b[bo + 3] - b[bo + 1]) - inter;
        return inter / ua;
    }

    static String describe(DetectionBatch b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.size(); i++) {
            sb.append(Arrays.toString(b.classes(i))).append(Arrays.toString(b.boxes(i))).append(' ');
        }
        return sb.toString();
    }
}
