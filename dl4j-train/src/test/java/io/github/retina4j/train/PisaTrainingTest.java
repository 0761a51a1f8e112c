package io.github.retina4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.losses.PisaLoss;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.losses.SmoothL1Loss;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import io.github.retina4j.testsupport.ExactArrays;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** {@code retina4j train --pisa} (DESIGN §3.6): a tiny RetinaNet with the joint PISA loss learns, saves and loads. */
class PisaTrainingTest {

    private static final int BATCH = 2;
    private static final int ITERATIONS = 20;

    @Test
    void aTinyRetinaNetWithPisaLearnsAndItsModelFileDetects(@TempDir Path tmp) throws IOException {
        TinyShapesLtTraining tiny = new TinyShapesLtTraining(tmp.resolve("data"));
        int classes = tiny.classes;
        RetinaNetConfig config = DetectorSetup.pisa(tiny.model(BATCH, ITERATIONS).build());
        PisaLoss loss = assertInstanceOf(PisaLoss.class, config.jointLoss());
        assertTrue(loss.isIsr() && loss.isCarl() && loss.getIsrK() == 2 && loss.getCarlBias() == 0.2, loss.name());
        ModelMetadata metadata = DetectorSetup.metadata(tiny.train, config, TinyShapesLtTraining.SIZE, TinyShapesLtTraining.SIZE);
        assertEquals(RetinaNet.JOINT_OUTPUT, metadata.classOutput());
        assertEquals(RetinaNet.JOINT_OUTPUT, metadata.boxOutput());

        List<MultiDataSet> probe = tiny.probe(config, 1);
        // labels: classes, deltas, the (image, gt) group of each positive
        INDArray labels = probe.get(0).getLabels(0);
        assertEquals(classes + 5, labels.size(1));
        ComputationGraph graph = RetinaNet.build(config);
        double before = TinyShapesLtTraining.score(graph, probe);
        Path run = tmp.resolve("run");
        TrainingResult result;
        try (TrainingData.CloseableIterator data = tiny.batches(config, BATCH, TinyShapesLtTraining.SEED, 1)) {
            result = new Trainer(graph, data, TrainerConfig.of(tiny.recipe, run, ITERATIONS, TinyShapesLtTraining.SEED)
                    .withCheckpointEvery(ITERATIONS)).modelWriter((g, f) -> ModelFile.save(g, metadata, f, true)).train();
        }
        assertEquals(ITERATIONS, result.history().size());
        for (LossPoint p : result.history()) {
            assertTrue(Double.isFinite(p.loss()), "loss " + p);
        }
        double after = TinyShapesLtTraining.score(result.graph(), probe);
        assertTrue(after < 0.8 * before, "loss on fixed batches " + before + " -> " + after);

        Path modelFile = run.resolve("model.zip");
        ModelFile.save(result.graph(), metadata, modelFile, false);
        Path image = tiny.firstImage();
        try (Detector detector = Detector.load(modelFile)) {
            assertEquals(classes, detector.metadata().categories().size());
            INDArray input = probe.get(0).getFeatures(0);
            INDArray joint = result.graph().output(false, input)[0];
            INDArray[] loaded = detector.forward(input);
            assertEquals(1, loaded.length);
            ExactArrays.assertIdentical("joint output", joint, loaded[0]);
            assertEquals(classes + 4, joint.size(1));
            detector.detect(image);
            // the detector decodes the joint output's two parts as a two-output graph's
            assertEquals(detectorOverSplit(result.graph(), metadata, input, classes), detector.detect(input).get(0).detections());
        }
    }

    /** Detections from the class and box parts of the joint output fed to the post-processor directly. */
    private static List<io.github.retina4j.models.inference.Detection> detectorOverSplit(ComputationGraph graph, ModelMetadata metadata, INDArray input, int classes) {
        INDArray joint = graph.output(false, input)[0];
        INDArray cls = joint.get(NDArrayIndex.all(), NDArrayIndex.interval(0, classes), NDArrayIndex.all()).dup('c');
        INDArray box = joint.get(NDArrayIndex.all(), NDArrayIndex.interval(classes, classes + 4), NDArrayIndex.all()).dup('c');
        return new io.github.retina4j.models.inference.DetectionPostProcessor(metadata.postprocessing(), metadata.boxCoder(),
                metadata.categories()).process(cls, box, new io.github.retina4j.data.anchors.AnchorGenerator(metadata.anchors()),
                (int) input.size(2), (int) input.size(3), metas(input)).get(0).detections();
    }

    private static List<io.github.retina4j.data.transform.ImageMeta> metas(INDArray input) {
        List<io.github.retina4j.data.transform.ImageMeta> out = new ArrayList<>();
        for (int i = 0; i < input.size(0); i++) {
            out.add(io.github.retina4j.models.inference.DetectionPostProcessor.identityMeta(i, (int) input.size(3),
                    (int) input.size(2)));
        }
        return out;
    }

    @Test
    void pisaRejectsLossesItIsNotDefinedOn() {
        RetinaNetConfig focal = RetinaNet.small(3).build();
        assertInstanceOf(PisaLoss.class, DetectorSetup.pisa(focal).jointLoss());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorSetup.pisa(focal.toBuilder().classLoss(new EqualizedFocalLoss(3)).build()));
        assertTrue(e.getMessage().contains("--pisa needs --cls-loss focal"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> DetectorSetup.pisa(focal.toBuilder().boxLoss(new io.github.retina4j.losses.BalancedL1Loss()).build()));
        assertTrue(e.getMessage().contains("smooth L1"), e.getMessage());
        // the focal loss's own α and γ carry over
        PisaLoss p = (PisaLoss) DetectorSetup.pisa(focal.toBuilder().classLoss(new SigmoidFocalLoss(0.5, 1.0))
                .boxLoss(new SmoothL1Loss()).build()).jointLoss();
        assertEquals(0.5, p.getAlpha());
        assertEquals(1.0, p.getGamma());
    }
}
