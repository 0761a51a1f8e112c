package io.github.retina4j.models.imports;

import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.inference.Detection;
import io.github.retina4j.models.inference.Detector;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The import of mmdetection RetinaNet and Libra RetinaNet checkpoints (fixture {@code imports/mmdet_retinanet_r50w16}:
 * ResNet-50's layout with every width / 16, FPN and heads of 16 channels, 3 classes, random weights under mmdetection's
 * key names, exported by {@code tools/export_torchvision.py --mmdet}) against a forward pass of mmdetection's modules
 * re-typed from its published source (the fixture's README.md cites files and commit).
 */
class MmdetImportTest {

    /**
     * Largest |Δ| allowed between our and the reference's raw head outputs (logits and deltas of std 0.09–1.9): float32
     * rounding through about 60 layers, summed in another order (measured 2.6e-6).
     */
    static final double HEAD_OUTPUT_TOLERANCE = 5e-5;
    /** Detection boxes agree to this, in pixels, as the torchvision import's test (measured 8e-5). */
    static final double BOX_TOLERANCE = 0.05;
    /** Detection scores agree to this: sigmoid of logits within {@link #HEAD_OUTPUT_TOLERANCE} (measured 3e-7). */
    static final double SCORE_TOLERANCE = 1e-4;

    @TempDir
    static Path tmp;
    private static Map<String, INDArray> retinanet;
    private static Map<String, INDArray> libra;
    private static Map<String, INDArray> expected;
    private static TorchvisionImport.Classes classes;

    @BeforeAll
    static void load() throws Exception {
        retinanet = NpzReader.read(NpzFiles.copy(NpzFiles.MMDET_R50W16 + "retinanet.npz", tmp));
        libra = NpzReader.read(NpzFiles.copy(NpzFiles.MMDET_R50W16 + "libra.npz", tmp));
        expected = NpzReader.read(NpzFiles.copy(NpzFiles.MMDET_R50W16 + "expected.npz", tmp));
        int k = (int) (retinanet.get(MmdetImport.CLS + ".weight").size(0) / (retinanet.get(MmdetImport.REG + ".weight").size(0) / 4));
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < k; i++) {
            names.append("class").append(i).append('\n');
        }
        classes = TorchvisionImport.Classes.file(Files.writeString(tmp.resolve("names.txt"), names));
    }

    @Test
    void retinaNetHeadOutputsEqualMmdetections() throws IOException {
        MmdetImport.Imported imported = MmdetImport.load(retinanet, "retinanet.npz", classes, MmdetImport.Model.AUTO);
        assertFalse(imported.layout().libra());
        assertEqualsReference(imported.graph(), "retinanet");
    }

    @Test
    void libraRetinaNetHeadOutputsEqualMmdetections() throws IOException {
        MmdetImport.Imported imported = MmdetImport.load(libra, "libra.npz", classes, MmdetImport.Model.AUTO);
        assertTrue(imported.layout().libra());
        assertEqualsReference(imported.graph(), "libra");
    }

    /**
     * The fixture tells the FPN variants apart: with torchvision's ReLU before the P7 conv, the P7 outputs leave the
     * tolerance (by more than 10×), so the switch is needed and the parity tests above test it.
     */
    @Test
    void aReluBeforeP7WouldChangeTheP7Outputs() throws IOException {
        MmdetImport.Layout layout = MmdetImport.layout(retinanet, "retinanet.npz", MmdetImport.Model.AUTO);
        ComputationGraph withRelu = RetinaNet.build(layout.config()
                .fpn(new FpnConfig(layout.fpnChannels(), FpnConfig.P6Source.C5, true)).build());
        MmdetImport.Imported imported = MmdetImport.load(retinanet, "retinanet.npz", classes, MmdetImport.Model.AUTO);
        Map<String, INDArray> target = withRelu.paramTable(false);
        imported.graph().paramTable(false).forEach((k, v) -> target.get(k).assign(v));
        INDArray[] out = withRelu.output(false, expected.get("input").castTo(DataType.FLOAT));
        INDArray p7Cls = expected.get("retinanet_cls_score_4");
        INDArray p7Box = expected.get("retinanet_bbox_pred_4");
        long p7Anchors = p7Box.length() / 4;
        long total = out[1].size(2);
        org.nd4j.linalg.indexing.INDArrayIndex p7 = NDArrayIndex.interval(total - p7Anchors, total);
        double err = Math.max(
                maxAbs(out[0].get(NDArrayIndex.point(0), NDArrayIndex.all(), p7), flatten(p7Cls, out[0].size(1)).transpose()),
                maxAbs(out[1].get(NDArrayIndex.point(0), NDArrayIndex.all(), p7), flatten(p7Box, 4).transpose()));
        assertTrue(err > 10 * HEAD_OUTPUT_TOLERANCE, "P7 outputs with a ReLU before P7 differ by only " + err);
    }

    /**
     * The imported models' detections through {@link Detector} (the metadata's anchors, box coder and post-processing)
     * equal those of mmdetection's {@code get_bboxes} as re-typed in the fixture script, on its 96×128 input (no
     * resize: input pixels are image pixels); the script chose a seed whose decisions (per-level top-1000 cuts, NMS
     * IoUs, the 100-detection cut) are all at least {@code det_margin} from their edges.
     */
    @Test
    void detectionsEqualMmdetectionsGetBboxes() throws IOException {
        assertTrue(expected.get("det_margin").getDouble(0) >= 2e-5);
        for (String model : new String[] {"retinanet", "libra"}) {
            MmdetImport.Imported imported = MmdetImport.load("libra".equals(model) ? libra : retinanet, model + ".npz",
                    classes, MmdetImport.Model.AUTO);
            INDArray boxes = expected.get(model + "_det_bboxes").castTo(DataType.DOUBLE);
            INDArray scores = expected.get(model + "_det_scores").castTo(DataType.DOUBLE);
            INDArray labels = expected.get(model + "_det_labels");
            List<Detection> ours;
            try (Detector detector = new Detector(imported.graph(), imported.metadata(), 1)) {
                ours = detector.detect(expected.get("input").castTo(DataType.FLOAT)).get(0).detections();
            }
            assertEquals(scores.length(), ours.size(), model);
            double boxErr = 0;
            double scoreErr = 0;
            for (int i = 0; i < ours.size(); i++) {
                Detection d = ours.get(i);
                assertEquals(labels.getLong(i), d.classIndex(), model + " detection " + i);
                double[] xyxy = {d.x1(), d.y1(), d.x2(), d.y2()};
                for (int j = 0; j < 4; j++) {
                    boxErr = Math.max(boxErr, Math.abs(xyxy[j] - boxes.getDouble(i, j)));
                }
                scoreErr = Math.max(scoreErr, Math.abs(d.score() - scores.getDouble(i)));
            }
            String measured = model + ": max |Δ box corner| = " + boxErr + " px, max |Δ score| = " + scoreErr;
            assertTrue(boxErr <= BOX_TOLERANCE, measured);
            assertTrue(scoreErr <= SCORE_TOLERANCE, measured);
        }
    }

    @Test
    void layoutAndMetadataAreMmdetections() throws IOException {
        MmdetImport.Imported imported = MmdetImport.load(libra, "libra.npz", classes, MmdetImport.Model.AUTO);
        assertEquals(new MmdetImport.Layout(true, 50, 4, 16, 4, 9, 3, 1), imported.layout());
        ModelMetadata m = imported.metadata();
        assertEquals(PreprocessConfig.coco(), m.preprocessing());
        assertEquals(PreprocessConfig.Resize.MMDETECTION, m.preprocessing().resize());
        assertEquals(AnchorConfig.retinaNet(), m.anchors());
        BoxCoder mmdet = BoxCoder.mmdetectionDefault();
        assertArrayEquals(mmdet.means(), m.boxCoder().means());
        assertArrayEquals(mmdet.stds(), m.boxCoder().stds());
        assertEquals(mmdet.clamp(), m.boxCoder().clamp());
        assertEquals(mmdet.clip(), m.boxCoder().clip());
        assertEquals(new PostProcessConfig(0.05, 1000, 0.5, 100, 0), m.postprocessing());
        assertEquals(imported.layout(), MmdetImport.Layout.fromJson(m.modelConfig()));
        assertEquals(libra.size(), imported.report().tensorsImported() + imported.report().skipped().size());
        assertTrue(imported.report().skipped().contains("backbone.bn1.num_batches_tracked"), imported.report().skipped().toString());
        assertEquals("class2", m.categories().name(2));
    }

    @Test
    void aWrittenModelFileLoadsWithTheSameOutputs() throws IOException {
        Path npz = NpzFiles.copy(NpzFiles.MMDET_R50W16 + "libra.npz", Files.createDirectories(tmp.resolve("write")));
        Path out = npz.resolveSibling("libra.zip");
        MmdetImport.Imported imported = MmdetImport.write(npz, classes, MmdetImport.Model.LIBRA, out);
        ModelFile.Loaded loaded = ModelFile.load(out, false);
        INDArray x = expected.get("input").castTo(DataType.FLOAT);
        assertEquals(imported.graph().output(false, x)[0], loaded.graph().output(false, x)[0]);
        assertEquals(imported.metadata().modelConfig(), loaded.metadata().modelConfig());
    }

    @Test
    void cocoClassesAreTheEightyCategoriesInIdOrder() {
        CategoryMapping coco = MmdetImport.cocoCategories();
        assertEquals(80, coco.size());
        assertEquals(1, coco.toCategoryId(0));
        assertEquals("person", coco.name(0));
        assertEquals(13, coco.toCategoryId(11));
        assertEquals("stop sign", coco.name(11));
        assertEquals(90, coco.toCategoryId(79));
        assertEquals("toothbrush", coco.name(79));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MmdetImport.load(retinanet, "retinanet.npz", TorchvisionImport.Classes.coco(), MmdetImport.Model.AUTO));
        assertEquals("retinanet.npz: the classification head predicts 3 classes, not COCO's 80; name them with --classes FILE",
                e.getMessage());
    }

    @Test
    void theModelChoiceMustMatchTheCheckpoint() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MmdetImport.load(libra, "libra.npz", classes, MmdetImport.Model.RETINANET));
        assertEquals("libra.npz has a balanced feature pyramid (tensors 'neck.1.*'): it is a Libra RetinaNet, import it "
                + "with --model libra", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> MmdetImport.load(retinanet, "retinanet.npz", classes, MmdetImport.Model.LIBRA));
        assertTrue(e.getMessage().startsWith("retinanet.npz has no balanced feature pyramid"), e.getMessage());
    }

    @Test
    void aTorchvisionStateDictIsNamedAsSuch() throws Exception {
        Map<String, INDArray> tv = NpzReader.read(NpzFiles.copy(NpzFiles.TV_R50W8 + "weights.npz",
                Files.createDirectories(tmp.resolve("tv"))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MmdetImport.load(tv, "weights.npz", classes, MmdetImport.Model.AUTO));
        assertEquals("weights.npz is not an mmdetection RetinaNet state dict: it has no tensor 'bbox_head.retina_cls.weight'"
                + " (it holds a torchvision RetinaNet: import it with --torchvision)", e.getMessage());
    }

    @Test
    void missingExtraAndMisShapedTensorsAreNamedWithMmdetectionsNames() {
        Map<String, INDArray> missing = new LinkedHashMap<>(libra);
        missing.remove("neck.0.fpn_convs.4.conv.weight");
        missing.remove("neck.1.refine.g.conv.bias");
        assertEquals("libra.npz: mmdetection Libra RetinaNet state dict (ResNet-50, FPN 16, 4 head convs) does not fit: "
                + "missing tensors (2): [neck.0.fpn_convs.4.conv.weight, neck.1.refine.g.conv.bias]", fail(missing));

        Map<String, INDArray> extra = new LinkedHashMap<>(libra);
        extra.put("neck.0.fpn_convs.5.conv.weight", libra.get("neck.0.fpn_convs.4.conv.weight"));
        assertEquals("libra.npz: mmdetection Libra RetinaNet state dict (ResNet-50, FPN 16, 4 head convs) does not fit: "
                + "unexpected tensors (1): [neck.0.fpn_convs.5.conv.weight]", fail(extra));

        Map<String, INDArray> shaped = new LinkedHashMap<>(libra);
        shaped.put("bbox_head.cls_convs.1.conv.weight", Nd4j.zeros(DataType.FLOAT, 16, 16, 1, 1));
        shaped.put("neck.1.refine.phi.conv.weight", Nd4j.zeros(DataType.FLOAT, 16, 8, 1, 1));
        String msg = fail(shaped);
        assertTrue(msg.startsWith("libra.npz: mmdetection state dict does not fit the graph: shape mismatches (2): ["), msg);
        assertTrue(msg.contains("bbox_head.cls_convs.1.conv.weight [1, 1, 16, 16] vs "), msg);
        assertTrue(msg.contains("neck.1.refine.phi.conv.weight [1, 1, 8, 16] vs "), msg);
        assertFalse(msg.contains("\n"), msg);

        Map<String, INDArray> nan = new LinkedHashMap<>(libra);
        INDArray w = libra.get("neck.1.refine.conv_out.conv.weight").dup();
        w.putScalar(0, Float.NaN);
        nan.put("neck.1.refine.conv_out.conv.weight", w);
        assertTrue(fail(nan).contains("tensors with NaN or Inf values (1): [neck.1.refine.conv_out.conv.weight (1 of 256 values)]"),
                fail(nan));
    }

    private static String fail(Map<String, INDArray> sd) {
        return assertThrows(IllegalArgumentException.class,
                () -> MmdetImport.load(sd, "libra.npz", classes, MmdetImport.Model.AUTO)).getMessage();
    }

    /**
     * Our outputs {@code [1, K, A]} and {@code [1, 4, A]} against the reference's per-level {@code cls_score}
     * {@code [1, A·K, H, W]} and {@code bbox_pred} {@code [1, A·4, H, W]}, flattened as mmdetection's get_bboxes does
     * ({@code permute(1, 2, 0).reshape(-1, K)}: rows (y, x, anchor)), levels concatenated.
     */
    private static void assertEqualsReference(ComputationGraph graph, String model) {
        INDArray[] out = graph.output(false, expected.get("input").castTo(DataType.FLOAT));
        long k = out[0].size(1);
        long offset = 0;
        double clsErr = 0;
        double boxErr = 0;
        int level = 0;
        for (; expected.containsKey(model + "_cls_score_" + level); level++) {
            INDArray cls = flatten(expected.get(model + "_cls_score_" + level), k);
            INDArray box = flatten(expected.get(model + "_bbox_pred_" + level), 4);
            long n = cls.size(0);
            assertEquals(n, box.size(0));
            org.nd4j.linalg.indexing.INDArrayIndex range = NDArrayIndex.interval(offset, offset + n);
            clsErr = Math.max(clsErr, maxAbs(out[0].get(NDArrayIndex.point(0), NDArrayIndex.all(), range), cls.transpose()));
            boxErr = Math.max(boxErr, maxAbs(out[1].get(NDArrayIndex.point(0), NDArrayIndex.all(), range), box.transpose()));
            offset += n;
        }
        assertEquals(5, level);
        assertEquals(offset, out[0].size(2), "anchors of all levels");
        assertTrue(clsErr <= HEAD_OUTPUT_TOLERANCE, model + ": max |Δ class logit| = " + clsErr);
        assertTrue(boxErr <= HEAD_OUTPUT_TOLERANCE, model + ": max |Δ box delta| = " + boxErr);
    }

    /** {@code [1, A·C, H, W]} → {@code [H·W·A, C]}: mmdetection's {@code permute(1, 2, 0).reshape(-1, C)}. */
    private static INDArray flatten(INDArray level, long c) {
        INDArray chw = level.castTo(DataType.DOUBLE).get(NDArrayIndex.point(0), NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.all());
        return chw.permute(1, 2, 0).dup('c').reshape('c', chw.length() / c, c);
    }

    private static double maxAbs(INDArray a, INDArray b) {
        assertArrayEquals(b.shape(), a.shape());
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
