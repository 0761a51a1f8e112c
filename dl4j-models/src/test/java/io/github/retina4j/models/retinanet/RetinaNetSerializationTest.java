package io.github.retina4j.models.retinanet;

import io.github.retina4j.data.targets.DenseTargets;
import io.github.retina4j.data.targets.GroundTruth;
import io.github.retina4j.data.targets.TargetEncoder;
import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.BfpConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

/**
 * ModelSerializer round trips give identical outputs, also for Libra and after EFL training steps (state kept), and
 * training resumed from the file takes exactly the step the original would have taken.
 */
class RetinaNetSerializationTest {
    private static final int CLASSES = 4;
    private static final int SIZE = 128;

    @TempDir
    Path dir;

    private static RetinaNetConfig.Builder tiny() {
        return RetinaNet.small(CLASSES).backbone(new SmallBackboneConfig(new int[]{4, 4, 8, 8, 8}))
                .fpn(new FpnConfig(8, FpnConfig.P6Source.C5)).head(new HeadConfig(8, 1, 9, 0.01, 0.01))
                .classLoss(new EqualizedFocalLoss(CLASSES))
                // momentum SGD (stateful updater saved with the model)
                .updater(new Nesterovs(0.01, 0.9));
    }

    private static MultiDataSet batch(RetinaNetConfig config) {
        TargetEncoder enc = DetectionTargetIterator.retinaNetEncoder(config);
        DenseTargets t = enc.encode(List.of(
                GroundTruth.of(new double[]{10, 12, 50, 60, 70, 70, 120, 110}, new int[]{0, 2}, new double[0]),
                GroundTruth.of(new double[]{30, 20, 90, 64}, new int[]{3}, new double[0])), SIZE, SIZE);
        Nd4j.getRandom().setSeed(5);
        return new MultiDataSet(new INDArray[]{Nd4j.randn(2, 3, SIZE, SIZE)},
                new INDArray[]{t.classTargets(), t.boxTargets()}, null, new INDArray[]{t.classMask(), t.boxMask()});
    }

    private static EqualizedFocalLoss efl(ComputationGraph g) {
        LayerVertex v = (LayerVertex) g.getConfiguration().getVertices().get(RetinaNet.CLASS_OUTPUT);
        return (EqualizedFocalLoss) ((RnnLossLayer) v.getLayerConf().getLayer()).getLossFn();
    }

    private ComputationGraph roundTrip(ComputationGraph g, String name) throws IOException {
        File f = dir.resolve(name).toFile();
        ModelSerializer.writeModel(g, f, true);
        return ModelSerializer.restoreComputationGraph(f, true);
    }

    @Test
    void saveLoadAfterEflTrainingStepsGivesIdenticalOutputsAndEflState() throws IOException {
        for (RetinaNetConfig config : new RetinaNetConfig[]{tiny().build(),
                LibraRetinaNet.libra(tiny()).classLoss(new EqualizedFocalLoss(CLASSES)).build()}) {
            ComputationGraph g = RetinaNet.build(config);
            MultiDataSet mds = batch(config);
            for (int i = 0; i < 3; i++) {
                g.fit(mds);
            }
            double[] pos = efl(g).getPosGrad();
            assertTrue(java.util.Arrays.stream(pos).sum() > 0, "EFL statistics must have been accumulated");
            ComputationGraph r = roundTrip(g, config.isLibra() ? "libra.zip" : "retina.zip");
            INDArray x = mds.getFeatures(0);
            INDArray[] a = g.output(x);
            INDArray[] b = r.output(x);
            assertIdentical("class logits after reload", a[0], b[0]);
            assertIdentical("box deltas after reload", a[1], b[1]);
            assertArrayEquals(pos, efl(r).getPosGrad(), 0.0, "EFL positive gradient sums after reload");
            assertArrayEquals(efl(g).getNegGrad(), efl(r).getNegGrad(), 0.0, "EFL negative gradient sums after reload");
            // Training continues identically from the file: parameters, updater (momentum) state and EFL state
            // were all restored, so one more step on the original and on the reloaded graph agrees exactly.
            g.fit(mds);
            r.fit(mds);
            assertIdentical("parameters after one more step (" + config.isLibra() + ")", g.params(), r.params());
            assertArrayEquals(efl(g).getPosGrad(), efl(r).getPosGrad(), 0.0, "EFL state after one more step");
        }
    }

    /**
     * {@code ComputationGraph.clone()} (the detector's replicas, {@code Detector.withPostProcessing}) keeps the
     * SameDiff vertices' training configuration: the clone has the same configuration and takes exactly the same
     * training step as the original.
     */
    @Test
    void clonedGraphsKeepTheirConfigurationAndTrainLikeTheOriginal() {
        for (RetinaNetConfig config : new RetinaNetConfig[]{tiny().build(), LibraRetinaNet.libra(tiny()).build()}) {
            ComputationGraph g = RetinaNet.build(config);
            MultiDataSet mds = batch(config);
            g.fit(mds);
            ComputationGraph c = g.clone();
            // DL4J's ComputationGraph.clone() restarts the graph's iteration counter; everything else must match
            assertEquals(0, c.getConfiguration().getIterationCount());
            c.getConfiguration().setIterationCount(g.getConfiguration().getIterationCount());
            assertEquals(g.getConfiguration().toJson(), c.getConfiguration().toJson(), "configuration of the clone");
            assertArrayEquals(g.getUpdater().getStateViewArray().data().asFloat(),
                    c.getUpdater().getStateViewArray().data().asFloat(), "updater state of the clone");
            g.fit(mds);
            c.fit(mds);
            assertArrayEquals(g.params().data().asFloat(), c.params().data().asFloat(),
                    "parameters after one more step (libra " + config.isLibra() + ")");
        }
    }
}
