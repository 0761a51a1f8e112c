package io.github.retina4j.models.imports;

import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.models.retinanet.RetinaNet;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The import of a torchvision RetinaNet on a bottleneck ResNet (ResNet-50's layout with every width / 8, 91 classes;
 * fixture {@code imports/tv_retinanet_r50w8}, see its README.md) against torchvision 0.14.1's own outputs.
 */
class TorchvisionImportTest {

    /**
     * Largest |Δ| allowed between our and torchvision's raw head outputs (class logits and box deltas, std 0.8 and
     * 0.3) on the fixture's small input: float32 rounding through 60 layers summed in another order (measured
     * 1.1e-5).
     */
    static final double HEAD_OUTPUT_TOLERANCE = 5e-5;

    private static Map<String, INDArray> weights;
    private static Map<String, INDArray> expected;
    private static TorchvisionImport.Imported imported;

    @BeforeAll
    static void load() throws Exception {
        weights = NpzReader.read(Path.of(TorchvisionImportTest.class.getResource(NpzFiles.TV_R50W8 + "weights.npz").toURI()));
        expected = NpzReader.read(Path.of(TorchvisionImportTest.class.getResource(NpzFiles.TV_R50W8 + "expected.npz").toURI()));
        imported = TorchvisionImport.load(weights, "weights.npz", TorchvisionImport.Classes.torchvision());
    }

    @Test
    void layoutIsReadFromTheStateDict() {
        assertEquals(new TorchvisionRetinaNetLayout(50, 8, 32, 4, 9, 91), imported.layout());
        assertEquals(imported.layout(), TorchvisionRetinaNetLayout.fromJson(imported.metadata().modelConfig()));
        assertEquals(weights.size(), imported.report().tensorsImported());
    }

    @Test
    void bottleneckResNetMappingReproducesTorchvisionHeadOutputs() {
        ComputationGraph g = imported.graph();
        INDArray[] out = g.output(false, expected.get("small_input").castTo(DataType.FLOAT));
        INDArray cls = out[g.getConfiguration().getNetworkOutputs().indexOf(RetinaNet.CLASS_OUTPUT)];
        INDArray box = out[g.getConfiguration().getNetworkOutputs().indexOf(RetinaNet.BOX_OUTPUT)];
        INDArray expCls = expected.get("small_cls_logits");
        INDArray expBox = expected.get("small_bbox_regression");
        assertArrayEquals(expCls.shape(), cls.shape());
        assertArrayEquals(expBox.shape(), box.shape());
        double clsErr = maxAbsDiff(cls, expCls);
        double boxErr = maxAbsDiff(box, expBox);
        assertTrue(clsErr <= HEAD_OUTPUT_TOLERANCE, "max |Δ class logit| = " + clsErr);
        assertTrue(boxErr <= HEAD_OUTPUT_TOLERANCE, "max |Δ box delta| = " + boxErr);
        // the outputs vary, so the tolerance means something
        assertTrue(expCls.stdNumber().doubleValue() > 0.5 && expBox.stdNumber().doubleValue() > 0.1);
    }

    @Test
    void metadataIsTorchvisionsInference() {
        ModelMetadata m = imported.metadata();
        assertEquals(PreprocessConfig.torchvision(), m.preprocessing());
        assertEquals(PreprocessConfig.Resize.TORCHVISION, m.preprocessing().resize());
        assertEquals(new PostProcessConfig(0.05, 1000, 0.5, 300, 0), m.postprocessing());
        assertEquals(91, m.categories().size());
        assertEquals("__background__", m.categories().name(0));
        assertEquals(1, m.categories().toCategoryId(1));
        assertEquals("person", m.categories().name(1));
        assertEquals(90, m.categories().toCategoryId(90));
        assertEquals("toothbrush", m.categories().name(90));
    }

    /**
     * {@code --classes coco} keeps the 80 real COCO categories: the predictor rows of the other 11 labels are dropped,
     * so the 80-class logits are exactly the 91-class logits of those labels.
     */
    @Test
    void cocoClassesKeepTheLogitsOfTheEightyCategories() throws Exception {
        TorchvisionImport.Imported coco = TorchvisionImport.load(weights, "weights.npz", TorchvisionImport.Classes.coco());
        CategoryMapping cats = coco.metadata().categories();
        assertEquals(80, cats.size());
        assertEquals(1, cats.toCategoryId(0));
        assertEquals("person", cats.name(0));
        assertEquals(13, cats.toCategoryId(11));
        assertEquals("stop sign", cats.name(11));
        assertEquals(90, cats.toCategoryId(79));
        INDArray x = expected.get("small_input").castTo(DataType.FLOAT);
        INDArray all = imported.graph().output(false, x)[0];
        INDArray some = coco.graph().output(false, x)[0];
        long[] rows = new long[80];
        for (int i = 0; i < 80; i++) {
            rows[i] = cats.toCategoryId(i);
        }
        INDArray selected = all.get(NDArrayIndex.all(), NDArrayIndex.indices(rows), NDArrayIndex.all());
        assertEquals(selected, some);
    }

    @Test
    void namesFromAFileMustMatchTheClassCount(@TempDir Path dir) throws Exception {
        Path names = Files.writeString(dir.resolve("names.txt"), "cat\ndog\n\nbird\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchvisionImport.load(weights, "weights.npz", TorchvisionImport.Classes.file(names)));
        assertEquals("--classes " + names + " lists 3 classes but the classification head of weights.npz predicts 91",
                e.getMessage());
        StringBuilder ninetyOne = new StringBuilder();
        for (int i = 0; i < 91; i++) {
            ninetyOne.append("c").append(i).append('\n');
        }
        Path ok = Files.writeString(dir.resolve("ok.txt"), ninetyOne);
        CategoryMapping m = TorchvisionImport.load(weights, "weights.npz", TorchvisionImport.Classes.file(ok)).metadata().categories();
        assertEquals(91, m.size());
        assertEquals("c90", m.name(90));
        assertEquals(90, m.toCategoryId(90));
    }

    @Test
    void aClassifierStateDictIsNamedAsSuch() {
        Map<String, INDArray> resnet = new LinkedHashMap<>();
        resnet.put("conv1.weight", Nd4j.zeros(64, 3, 7, 7));
        resnet.put("fc.weight", Nd4j.zeros(1000, 2048));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchvisionImport.load(resnet, "resnet50.npz", TorchvisionImport.Classes.torchvision()));
        assertEquals("resnet50.npz is not a torchvision RetinaNet state dict: it has no tensor "
                + "'head.classification_head.cls_logits.weight' (it holds an ImageNet classification ResNet: use it with "
                + "train --backbone-weights)", e.getMessage());
    }

    @Test
    void nonFiniteWeightsAreNamed() {
        Map<String, INDArray> bad = new LinkedHashMap<>(weights);
        INDArray w = weights.get("backbone.body.layer3.2.conv2.weight").castTo(DataType.FLOAT).dup();
        w.putScalar(5, Float.NaN);
        w.putScalar(7, Float.POSITIVE_INFINITY);
        bad.put("backbone.body.layer3.2.conv2.weight", w);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchvisionImport.load(bad, "weights.npz", TorchvisionImport.Classes.torchvision()));
        assertEquals("weights.npz: torchvision state dict does not fit the graph: tensors with NaN or Inf values (1): "
                + "[backbone.body.layer3.2.conv2.weight (2 of " + w.length() + " values)]", e.getMessage());
    }

    @Test
    void aNinetyOneLabelNameListNeedsNinetyOneClasses() {
        Map<String, INDArray> fewer = TorchvisionImport.keepClasses(weights, new int[] {1, 2, 3}, 9, 91);
        assertEquals(27, fewer.get("head.classification_head.cls_logits.weight").size(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchvisionImport.load(fewer, "three.npz", TorchvisionImport.Classes.coco()));
        assertEquals("three.npz: the classification head predicts 3 classes, not torchvision's 91 COCO labels; name them "
                + "with --classes FILE", e.getMessage());
    }

    @Test
    void theModelFileRoundTripsAndNothingIsWrittenOnFailure(@TempDir Path dir) throws Exception {
        Path npz = NpzFiles.copy(NpzFiles.TV_R50W8 + "weights.npz", dir);
        Path out = dir.resolve("model.zip");
        TorchvisionImport.write(npz, TorchvisionImport.Classes.coco(), out);
        ModelFile.Loaded loaded = ModelFile.load(out, false);
        assertEquals(80, loaded.metadata().categories().size());
        assertEquals(PreprocessConfig.Resize.TORCHVISION, loaded.metadata().preprocessing().resize());
        assertEquals(imported.layout().withNumClasses(80), TorchvisionRetinaNetLayout.fromJson(loaded.metadata().modelConfig()));
        // a truncated archive: an error naming the file, and no model file
        byte[] bytes = Files.readAllBytes(npz);
        Path truncated = Files.write(dir.resolve("truncated.npz"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path out2 = dir.resolve("model2.zip");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchvisionImport.write(truncated, TorchvisionImport.Classes.coco(), out2));
        assertTrue(e.getMessage().startsWith("npz file " + truncated + " is not a valid zip (corrupt or truncated)"), e.getMessage());
        assertFalse(Files.exists(out2));
        try (var files = Files.list(dir)) {
            assertEquals(java.util.Set.of("weights.npz", "model.zip", "truncated.npz"),
                    files.map(p -> p.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
