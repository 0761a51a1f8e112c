package io.github.retina4j.models.retinanet;

import io.github.retina4j.models.heads.RetinaHead;
import io.github.retina4j.models.dl4j.VertexBackend;
import io.github.retina4j.models.heads.SharedHeadVertex;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.BalancedFeaturePyramid;
import io.github.retina4j.models.fpn.BfpConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.optimize.MomentumSgd;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.buffer.DataType;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL1;

import java.util.Map;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.*;

class RetinaNetTest {

    private static RetinaNetConfig.Builder small(int classes) {
        return new RetinaNetConfig.Builder(classes)
                .backbone(new SmallBackboneConfig(new int[]{4, 4, 8, 8, 8}))
                .fpn(new FpnConfig(8, FpnConfig.P6Source.C5))
                .head(new HeadConfig(8, 1, 9, 0.01, 0.01))
                .classLoss(new LossBinaryXENT()).boxLoss(new LossL1());
    }

    /** A = 9 · Σ_l ⌈H/2^l⌉·⌈W/2^l⌉ over l = 3..7 (P6, P7 from stride-2 convs with padding 1 round up). */
    private static long expectedAnchors(long h, long w, int anchors) {
        long a = 0;
        for (int l = 3; l <= 7; l++) {
            long s = 1L << l;
            a += ((h + s - 1) / s) * ((w + s - 1) / s);
        }
        return a * anchors;
    }

    @Test
    void outputShapesForSeveralPaddedSizes() {
        ComputationGraph g = RetinaNet.build(small(3).build());
        for (int[] hw : new int[][]{{64, 64}, {96, 160}, {128, 32}, {224, 96}}) {
            INDArray[] out = g.output(Nd4j.rand(2, 3, hw[0], hw[1]));
            long a = expectedAnchors(hw[0], hw[1], 9);
            assertArrayEquals(new long[]{2, 3, a}, out[0].shape(), "class logits for " + hw[0] + "x" + hw[1]);
            assertArrayEquals(new long[]{2, 4, a}, out[1].shape(), "box deltas for " + hw[0] + "x" + hw[1]);
        }
    }

    /**
     * Libra RetinaNet at sizes padded only to 32, where P6/P7 are not integer fractions of P4 (e.g. 96×160: P4 6×10,
     * P6 2×3, P7 1×2; 800×1344: P4 50×84, P6 13×21, P7 7×11): the balanced pyramid's run-time resizes give the
     * right shapes, and a training step gives finite gradients that reach the backbone.
     */
    @Test
    void libraRunsForwardAndBackwardAtSizesPaddedTo32() {
        RetinaNetConfig config = small(2).balancedPyramid(BfpConfig.paper()).build();
        assertEquals(RetinaNetConfig.MIN_SIZE_DIVISOR, config.sizeDivisor());
        ComputationGraph g = RetinaNet.build(config);
        for (int[] hw : new int[][]{{96, 160}, {160, 96}, {64, 224}, {800, 1344}}) {
            INDArray[] out = g.output(Nd4j.rand(1, 3, hw[0], hw[1]));
            long a = expectedAnchors(hw[0], hw[1], 9);
            assertArrayEquals(new long[]{1, 2, a}, out[0].shape(), "class logits for " + hw[0] + "x" + hw[1]);
            assertArrayEquals(new long[]{1, 4, a}, out[1].shape(), "box deltas for " + hw[0] + "x" + hw[1]);
        }
        MultiDataSet mds = randomBatch(g, 2, 96, 160, 3);
        g.setInputs(mds.getFeatures());
        g.setLabels(mds.getLabels());
        g.setLayerMaskArrays(null, mds.getLabelsMaskArrays());
        g.computeGradientAndScore();
        assertTrue(Double.isFinite(g.score()), "score " + g.score());
        INDArray grad = g.gradient().gradient();
        assertTrue(Double.isFinite(grad.norm2Number().doubleValue()), "gradient must be finite");
        // the non-local output conv (zero at init, so θ/φ/g get none yet) and every FPN layer below the pyramid
        assertTrue(g.gradient().getGradientFor("neck.refine_convOutW").amaxNumber().doubleValue() > 0);
        long fpnParams = 0;
        for (Map.Entry<String, INDArray> e : g.gradient().gradientForVariable().entrySet()) {
            if (e.getKey().startsWith("backbone.fpn")) {
                fpnParams++;
                assertTrue(e.getValue().amaxNumber().doubleValue() > 0, e.getKey() + " gets no gradient");
            }
        }
        assertTrue(fpnParams > 0, "no FPN parameters in " + g.gradient().gradientForVariable().keySet());
        double before = g.score();
        g.fit(mds);
        assertTrue(Double.isFinite(g.score()) && before > 0);
    }

    @Test
    void initialClassProbabilityIsThePrior() {
        ComputationGraph g = RetinaNet.build(small(3).build());
        INDArray logits = g.output(Nd4j.rand(1, 3, 64, 64))[0];
        // weights ~ N(0, 0.01): logits stay close to the prior bias −log(99)
        assertEquals(-Math.log(99), logits.meanNumber().doubleValue(), 0.05);
    }

    @Test
    void sizeDivisorMustBeAMultipleOf32WithOrWithoutTheBalancedPyramid() {
        for (BfpConfig bfp : new BfpConfig[]{null, BfpConfig.paper()}) {
            assertEquals(32, small(2).balancedPyramid(bfp).build().sizeDivisor());
            assertEquals(64, small(2).balancedPyramid(bfp).sizeDivisor(64).build().sizeDivisor());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> small(2).balancedPyramid(bfp).sizeDivisor(48).build());
            assertTrue(e.getMessage().contains("sizeDivisor 48"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> small(2).balancedPyramid(bfp).sizeDivisor(16).build());
        }
        assertEquals(32, LibraRetinaNet.small(3).build().sizeDivisor());
        assertEquals(32, LibraRetinaNet.defaults(80).build().sizeDivisor());
    }

    /**
     * torchvision 0.14.1 (Debian python3-torchvision), {@code retinanet_resnet50_fpn} as built with ImageNet
     * backbone weights (FrozenBatchNorm2d, trainable_backbone_layers=3, LastLevelP6P7(256, 256)), computed with
     * {@code sum(p.numel() for p in m.parameters() if p.requires_grad)} on
     * {@code RetinaNet(_resnet_fpn_extractor(resnet50(norm_layer=FrozenBatchNorm2d), 3, [2, 3, 4],
     * LastLevelP6P7(256, 256)), num_classes)}: 91 classes → 33 792 599, 80 → 33 564 404.
     * FrozenBatchNorm2d's γ/β are buffers there, frozen layers here: neither counted.
     */
    @Test
    void trainableParametersEqualTorchvisionRetinanetResnet50Fpn() {
        RetinaNetConfig tv = new RetinaNetConfig.Builder(91).backbone(ResNetConfig.of(50)).fpn(FpnConfig.torchvision())
                .head(HeadConfig.paper()).classLoss(new LossBinaryXENT()).boxLoss(new LossL1()).build();
        ComputationGraph g = RetinaNet.build(tv);
        assertEquals(33_792_599L, RetinaNet.trainableParams(g));
        ComputationGraph libra = RetinaNet.build(tv.toBuilder().balancedPyramid(BfpConfig.paper()).build());
        long bfp = BalancedFeaturePyramid.numParams(256, BfpConfig.paper());
        assertEquals(4L * (256 * 256 + 256), bfp);
        assertEquals(33_792_599L + bfp, RetinaNet.trainableParams(libra));
        assertEquals(bfp, libra.params().length() - g.params().length());
    }

    /**
     * Guards {@link RetinaNet#workspaceMode}: RetinaNet and Libra RetinaNet (no SameDiff vertex since the heads and
     * the non-local block run on raw ops) train with DL4J workspaces; a graph with a SameDiff-executed vertex
     * without. Under workspaces, two identical graphs trained on growing and shrinking input sizes (activations
     * outgrowing the first iteration's workspace is what broke SameDiff vertices) must end finite and bit-identical
     * to each other and to the same graph trained without workspaces, and infer identically.
     */
    @Test
    void workspacesOnlyWithoutSameDiffVerticesAndTheyChangeNothing() {
        RetinaNetConfig[] configs = {RetinaNet.small(3).weightDecay(1e-4).build(), LibraRetinaNet.small(3).build()};
        ComputationGraphConfiguration sameDiffHeads = RetinaNet.configuration(configs[0]);
        ((SharedHeadVertex) sameDiffHeads.getVertices().get(RetinaHead.CLASSIFICATION)).setBackend(VertexBackend.SAMEDIFF);
        assertEquals(WorkspaceMode.NONE, RetinaNet.workspaceMode(sameDiffHeads));
        for (RetinaNetConfig config : configs) {
            String model = config.balancedPyramid() == null ? "RetinaNet" : "Libra";
            assertEquals(WorkspaceMode.ENABLED, RetinaNet.configuration(config).getTrainingWorkspaceMode(), model);
            assertEquals(WorkspaceMode.ENABLED, RetinaNet.configuration(config).getInferenceWorkspaceMode(), model);
            ComputationGraph a = RetinaNet.build(config);
            ComputationGraph b = RetinaNet.build(config);
            ComputationGraphConfiguration off = RetinaNet.configuration(config);
            off.setTrainingWorkspaceMode(WorkspaceMode.NONE);
            off.setInferenceWorkspaceMode(WorkspaceMode.NONE);
            ComputationGraph c = new ComputationGraph(off);
            c.init();
            assertIdentical(model + ": initial parameters, workspaces on and off", a.params(), c.params());
            // the switch is real: DL4J's activation workspace (ComputationGraph.WS_ALL_LAYERS_ACT) appears only with it
            Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
            MultiDataSet first = randomBatch(a, 4, 64, 64 * 7L);
            c.fit(first);
            assertFalse(Nd4j.getWorkspaceManager().checkIfWorkspaceExists("WS_ALL_LAYERS_ACT"), "no workspace when off");
            a.fit(first);
            assertTrue(Nd4j.getWorkspaceManager().checkIfWorkspaceExists("WS_ALL_LAYERS_ACT"), "workspace when on");
            b.fit(first);
            for (int size : new int[]{96, 160, 96, 192}) {
                MultiDataSet mds = randomBatch(a, 4, size, size * 7L);
                a.fit(mds);
                b.fit(mds);
                c.fit(mds);
            }
            assertTrue(Double.isFinite(a.params().norm2Number().doubleValue()), model + ": parameters must stay finite");
            assertIdentical(model + ": same config + same batches must give identical parameters", a.params(), b.params());
            assertIdentical(model + ": workspaces on and off must give identical parameters", c.params(), a.params());
            INDArray x = Nd4j.randn(DataType.FLOAT, 2, 3, 128, 160);
            assertIdentical(model + ": inference with and without workspaces", c.output(x)[0], a.output(x)[0]);
        }
    }

    /**
     * torch.optim.SGD(lr, momentum=μ, weight_decay=λ), mmdetection's optimiser: v ← μ·v + (g + λ·θ); θ ← θ − lr·v.
     * Two steps, because one step cannot tell this from decoupled weight decay (θ ← θ − lr·(μ·v + g) − lr·λ·θ), which
     * differs from the second step on by lr·μ·λ·θ.
     */
    @Test
    void weightDecayJoinsTheGradientBeforeTheMomentumAsInTorch() {
        // double runs DL4J's ops, float the vector loops where the machine has them
        weightDecayAsInTorch(DataType.DOUBLE, 1e-12);
        weightDecayAsInTorch(DataType.FLOAT, 1e-6);
    }

    private static void weightDecayAsInTorch(DataType type, double tolerance) {
        double lr = 0.05;
        double momentum = 0.9;
        double decay = 0.01;
        ComputationGraph g = RetinaNet.build(small(3).dataType(type)
                .updater(new MomentumSgd(lr, momentum)).weightDecay(decay).build());
        MultiDataSet batch = randomBatch(g, 2, 64, 17);
        INDArray theta = g.params().dup();
        INDArray velocity = Nd4j.zeros(type, theta.shape());
        for (int step = 0; step < 2; step++) {
            INDArray gradient = lossGradient(g, batch);
            velocity.muli(momentum).addi(gradient).addi(theta.mul(decay));
            theta.subi(velocity.mul(lr));
            g.fit(batch);
            INDArray actual = g.params();
            double scale = theta.norm2Number().doubleValue();
            assertEquals(0, actual.sub(theta).norm2Number().doubleValue() / scale, tolerance, type + ", step " + step);
        }
    }

    /** dL/dθ of the loss alone (DL4J adds regularisation inside the updater), as a copy. */
    private static INDArray lossGradient(ComputationGraph g, MultiDataSet batch) {
        g.setInputs(batch.getFeatures());
        g.setLabels(batch.getLabels());
        g.setLayerMaskArrays(batch.getFeaturesMaskArrays(), batch.getLabelsMaskArrays());
        g.computeGradientAndScore();
        INDArray gradient = g.gradient().gradient().dup();
        g.clearLayerMaskArrays();
        return gradient;
    }

    private static MultiDataSet randomBatch(ComputationGraph g, int n, int size, long seed) {
        return randomBatch(g, n, size, size, seed);
    }

    private static MultiDataSet randomBatch(ComputationGraph g, int n, int height, int width, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.FLOAT, n, 3, height, width);
        int numClasses = (int) g.output(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)))[0].size(1);
        long anchors = g.output(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)))[0].size(2);
        INDArray cls = Nd4j.zeros(DataType.FLOAT, n, numClasses, anchors);
        INDArray boxMask = Nd4j.zeros(DataType.FLOAT, n, anchors);
        for (int i = 0; i < n; i++) {
            long anchor = (i * 37L + 11) % anchors;
            cls.putScalar(new long[]{i, i % numClasses, anchor}, 1);
            boxMask.putScalar(i, anchor, 1);
        }
        INDArray box = Nd4j.rand(DataType.FLOAT, n, 4, anchors).subi(0.5);
        return new MultiDataSet(new INDArray[]{x}, new INDArray[]{cls, box}, null,
                new INDArray[]{Nd4j.ones(DataType.FLOAT, n, anchors), boxMask});
    }
}
