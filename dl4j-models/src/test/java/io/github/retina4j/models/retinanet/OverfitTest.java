package io.github.retina4j.models.retinanet;

import io.github.retina4j.data.anchors.AnchorGenerator;
import io.github.retina4j.data.reader.DetectionBatch;
import io.github.retina4j.data.targets.TargetEncoder;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A small RetinaNet and a small Libra RetinaNet each overfit 2 shapes-lt images on CPU: the training loss
 * (focal + smooth L1 / balanced L1, DESIGN §3 normalisation) falls by 10× and the detections on those images reach
 * AP50 ≥ 0.9.
 */
class OverfitTest {
    private static final int CLASSES = 3;
    private static final int MAX_STEPS = 200;
    private static final double LEARNING_RATE = 3e-3;

    @TempDir
    Path dir;

    private static double ap50(ComputationGraph g, MultiDataSet mds, DetectionBatch batch, INDArray anchors,
                               TargetEncoder encoder) {
        INDArray[] out = g.output(mds.getFeatures(0));
        List<double[]> dets = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            dets.addAll(ShapesLtFixture.detect(out[0], out[1], anchors, encoder.boxCoder(), i));
        }
        return ShapesLtFixture.ap50(dets, batch, CLASSES);
    }

    /** Narrower than {@link RetinaNet#small}: the test must fit the module's CPU budget. */
    private static RetinaNetConfig.Builder tiny(RetinaNetConfig.Builder b) {
        return b.backbone(new SmallBackboneConfig(new int[]{8, 16, 16, 32, 32}))
                .fpn(new FpnConfig(32, FpnConfig.P6Source.C5))
                .head(new HeadConfig(32, 1, HeadConfig.DEFAULT_NUM_ANCHORS, HeadConfig.DEFAULT_PRIOR, HeadConfig.DEFAULT_WEIGHT_STD))
                .updater(new Adam(LEARNING_RATE));
    }

    @Test
    void smallRetinaNetOverfitsTwoImages() {
        overfit(tiny(RetinaNet.small(CLASSES)).sizeDivisor(ShapesLtFixture.SIZE).build());
    }

    @Test
    void smallLibraRetinaNetOverfitsTwoImages() {
        overfit(tiny(LibraRetinaNet.small(CLASSES)).build());
    }

    private void overfit(RetinaNetConfig config) {
        DetectionBatch batch = ShapesLtFixture.batch(dir, CLASSES);
        TargetEncoder encoder = DetectionTargetIterator.retinaNetEncoder(config);
        DetectionTargetIterator it = new DetectionTargetIterator(List.of(batch), encoder, config);
        MultiDataSet mds = it.next();
        ComputationGraph g = RetinaNet.build(config);
        INDArray anchors = new AnchorGenerator(config.anchors()).anchors(ShapesLtFixture.SIZE, ShapesLtFixture.SIZE);
        double first = g.score(mds);
        double last = first;
        double ap = 0;
        int steps = 0;
        long t0 = System.nanoTime();
        // train until both criteria hold (checked every 10 steps once the loss is 10× down) or MAX_STEPS
        while (steps < MAX_STEPS) {
            g.fit(mds);
            steps++;
            last = g.score();
            if (steps % 10 == 0) {
                System.out.printf("%s step %d loss %.5f (%.0f ms/step)%n", config.isLibra() ? "libra" : "retina", steps,
                        last, (System.nanoTime() - t0) / 1e6 / steps);
                if (last < first / 10) {
                    ap = ap50(g, mds, batch, anchors, encoder);
                    if (ap >= 0.9) {
                        break;
                    }
                }
            }
        }
        if (ap < 0.9) {
            ap = ap50(g, mds, batch, anchors, encoder); // final model
        }
        System.out.printf("%s: loss %.4f -> %.4f in %d steps, AP50 %.3f%n", config.isLibra() ? "libra" : "retina",
                first, last, steps, ap);
        assertTrue(last < first / 10, "loss fell from " + first + " to " + last + " in " + steps + " steps only");
        assertTrue(ap >= 0.9, "AP50 " + ap + " on the training images " + ShapesLtFixture.describe(batch));
    }
}
