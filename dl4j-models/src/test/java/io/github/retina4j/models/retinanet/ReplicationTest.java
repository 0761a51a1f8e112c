package io.github.retina4j.models.retinanet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.data.targets.DenseTargets;
import io.github.retina4j.data.targets.GroundTruth;
import io.github.retina4j.data.targets.TargetEncoder;
import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.RnnLossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The ways data-parallel engines copy a graph keep our custom layers, vertices and losses: DL4J's ParallelWrapper
 * rebuilds each worker from the configuration JSON and copies parameters and updater state; Spark ships the
 * configuration with Java serialisation; {@code ComputationGraph.clone()} clones the configuration. Each copy must
 * compute exactly what the original computes, train exactly like it, and carry the EFL statistics.
 */
class ReplicationTest {
    private static final int CLASSES = 3;
    private static final int SIZE = 64;

    private static RetinaNetConfig.Builder tiny() {
        return RetinaNet.small(CLASSES).backbone(new SmallBackboneConfig(new int[] {4, 4, 8, 8, 8}))
                .fpn(new FpnConfig(8, FpnConfig.P6Source.C5)).head(new HeadConfig(8, 1, 9, 0.01, 0.01))
                .classLoss(new EqualizedFocalLoss(CLASSES)).updater(new Nesterovs(0.01, 0.9));
    }

    private static List<RetinaNetConfig> configs() {
        return List.of(tiny().build(),
                LibraRetinaNet.libra(tiny()).classLoss(new EqualizedFocalLoss(CLASSES)).build(),
                // frozen batch norm, frozen stem, no-recompute convolutions
                RetinaNet.defaults(CLASSES).backbone(ResNetConfig.of(18)).fpn(new FpnConfig(16, FpnConfig.P6Source.C5))
                        .head(new HeadConfig(16, 1, 9, 0.01, 0.01)).classLoss(new EqualizedFocalLoss(CLASSES))
                        .updater(new Nesterovs(0.01, 0.9)).build());
    }

    private static MultiDataSet batch(RetinaNetConfig config) {
        TargetEncoder enc = DetectionTargetIterator.retinaNetEncoder(config);
        DenseTargets t = enc.encode(List.of(
                GroundTruth.of(new double[] {5, 6, 30, 40, 35, 30, 60, 58}, new int[] {0, 2}, new double[0]),
                GroundTruth.of(new double[] {15, 10, 45, 32}, new int[] {1}, new double[0])), SIZE, SIZE);
        Nd4j.getRandom().setSeed(5);
        return new MultiDataSet(new INDArray[] {Nd4j.randn(2, 3, SIZE, SIZE)},
                new INDArray[] {t.classTargets(), t.boxTargets()}, null, new INDArray[] {t.classMask(), t.boxMask()});
    }

    private static EqualizedFocalLoss efl(ComputationGraph g) {
        LayerVertex v = (LayerVertex) g.getConfiguration().getVertices().get(RetinaNet.CLASS_OUTPUT);
        return (EqualizedFocalLoss) ((RnnLossLayer) v.getLayerConf().getLayer()).getLossFn();
    }

    /** ParallelWrapper's DefaultTrainer: configuration JSON, a new graph, parameters and updater state copied. */
    private static ComputationGraph parallelWrapperReplica(ComputationGraph g) {
        ComputationGraph r = new ComputationGraph(ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson()));
        r.init();
        r.setParams(g.params().dup());
        r.getUpdater().setStateViewArray(g.getUpdater().getStateViewArray().dup());
        return r;
    }

    /** Spark: the configuration travels Java-serialised, the parameters and updater state as arrays. */
    private static ComputationGraph javaSerializedReplica(ComputationGraph g) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(g.getConfiguration());
            out.writeObject(g.params());
            out.writeObject(g.getUpdater().getStateViewArray());
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            ComputationGraph r = new ComputationGraph((ComputationGraphConfiguration) in.readObject());
            r.init();
            r.setParams((INDArray) in.readObject());
            r.getUpdater().setStateViewArray((INDArray) in.readObject());
            return r;
        }
    }

    @Test
    void everyReplicaComputesTrainsAndCarriesEflStatisticsLikeTheOriginal() throws Exception {
        for (RetinaNetConfig config : configs()) {
            ComputationGraph g = RetinaNet.build(config);
            String what = g.getConfiguration().getVertices().keySet().size() + " vertices, " + customClasses(g);
            MultiDataSet mds = batch(config);
            boolean small = config.backbone() instanceof SmallBackboneConfig;
            if (small) { // (the ResNet is checked for structure and outputs only: a training step costs seconds)
                g.fit(mds); // updater state and EFL statistics are no longer the initial ones
                assertTrue(java.util.Arrays.stream(efl(g).getPosGrad()).sum() > 0, what);
            }
            ComputationGraph[] replicas = {parallelWrapperReplica(g), javaSerializedReplica(g), g.clone()};
            String[] how = {"ParallelWrapper replica", "Java-serialised replica", "clone()"};
            INDArray x = mds.getFeatures(0);
            INDArray[] expected = g.output(x);
            for (int i = 0; i < replicas.length; i++) {
                ComputationGraph r = replicas[i];
                String w = how[i] + " of " + what;
                if (r.getConfiguration().getIterationCount() != g.getConfiguration().getIterationCount()) {
                    // DL4J 1.0.0-M2.1's ComputationGraphConfiguration.clone() does not copy the iteration and epoch
                    // counters, so a schedule restarts in a clone (Spark's parameter-averaging workers clone it)
                    assertEquals(2, i, w + ": only clone() loses the iteration count");
                    r.getConfiguration().setIterationCount(g.getConfiguration().getIterationCount());
                }
                assertEquals(g.getConfiguration().toJson(), r.getConfiguration().toJson(), w + ": configuration");
                INDArray[] out = r.output(x);
                assertEquals(expected[0], out[0], w + ": class logits");
                assertEquals(expected[1], out[1], w + ": box deltas");
                if (i == 2) {
                    // DL4J's layer clone() is shallow for the loss: a clone shares the original's EFL instance and so
                    // its statistics (Spark's parameter-averaging workers clone the broadcast configuration)
                    assertSame(efl(g), efl(r), w + ": clone() shares the loss");
                } else {
                    assertNotSame(efl(g), efl(r), w + ": each replica has its own loss instance");
                }
                assertArrayEquals(efl(g).getPosGrad(), efl(r).getPosGrad(), 0.0, w + ": EFL statistics copied");
                assertArrayEquals(efl(g).getNegGrad(), efl(r).getNegGrad(), 0.0, w);
            }
            if (small) {
                // one more identical step on the original and on each replica gives identical parameters
                ComputationGraph reference = parallelWrapperReplica(g);
                reference.fit(mds);
                for (int i = 0; i < replicas.length; i++) {
                    replicas[i].fit(mds);
                    assertEquals(reference.params(), replicas[i].params(), how[i] + " of " + what + ": parameters after a step");
                    assertArrayEquals(efl(reference).getPosGrad(), efl(replicas[i]).getPosGrad(), 0.0,
                            how[i] + " of " + what + ": EFL statistics after a step");
                }
            }
        }
    }

    private static Set<String> customClasses(ComputationGraph g) {
        Set<String> out = new LinkedHashSet<>();
        for (GraphVertex v : g.getConfiguration().getVertices().values()) {
            Object c = v instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : v;
            if (c.getClass().getName().startsWith("io.github.retina4j")) {
                out.add(c.getClass().getSimpleName());
            }
        }
        return out;
    }
}
