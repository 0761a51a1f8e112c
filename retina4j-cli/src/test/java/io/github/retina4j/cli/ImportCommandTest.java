package io.github.retina4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.coco.ResultsJson;
import io.github.retina4j.models.imports.NpzFiles;
import io.github.retina4j.models.imports.NpzReader;
import io.github.retina4j.models.imports.TorchvisionImport;
import io.github.retina4j.models.inference.Detector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code retina4j import --torchvision} then {@code retina4j detect}, in process, against torchvision 0.14.1's own
 * detections of the fixture {@code imports/tv_retinanet_r50w8} (dl4j-models' test resources; its README.md and
 * make_fixture.py): a RetinaNet on a bottleneck ResNet (ResNet-50's layout, widths / 8) with random weights whose
 * class scores are spread so that about a fifth of the 11 M (anchor, class) pairs pass 0.05 — every per-level top-1000
 * cut, the class-wise NMS and the 300-detection cap are exercised — on an 800×1000 image (short side 800: no
 * resampling; {@code ImagePreprocessorTest} checks the resampling on its own).
 */
class ImportCommandTest {

    /** Box corners agree to this, in pixels (the tolerance). */
    static final double BOX_TOLERANCE = 0.05;
    /** Scores agree to this (the tolerance). */
    static final double SCORE_TOLERANCE = 1e-3;

    @TempDir
    static Path tmp;
    static Path weights;
    static Path image;
    static Map<String, INDArray> expected;
    static Path model;


    @BeforeAll
    static void importFixture() throws IOException {
        Path fixture = Files.createDirectories(tmp.resolve("fixture"));
        weights = NpzFiles.copy(NpzFiles.TV_R50W8 + "weights.npz", fixture);
        image = NpzFiles.copy(NpzFiles.TV_R50W8 + "image.png", fixture);
        expected = NpzReader.read(NpzFiles.copy(NpzFiles.TV_R50W8 + "expected.npz", fixture));
        model = tmp.resolve("tv.zip");
        CliRun r = CliRun.of("import", "--torchvision", weights.toString(), "--out", model.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("ResNet-50 (width 8) + FPN 32, 4 head convs, 91 classes"), r.out());
    }

    @Test
    void detectWritesTorchvisionsDetections() throws IOException {
        Path out = tmp.resolve("detect");
        CliRun r = CliRun.of("detect", "--model", model.toString(), image.toString(), "--out", out.toString(), "--score-threshold", "0.05");
        assertEquals(0, r.exit(), r.err());
        List<DetectionResult> ours = ResultsJson.read(out.resolve(DetectCommand.RESULTS_FILE));
        float[] boxes = expected.get("boxes").data().asFloat();
        float[] scores = expected.get("scores").data().asFloat();
        long[] labels = expected.get("labels").data().asLong();
        assertEquals(300, scores.length, "the fixture's detections fill torchvision's 300-per-image cap");
        assertEquals(scores.length, ours.size());
        // one-to-one: every torchvision detection has its own equal (label, box, score) among ours
        boolean[] used = new boolean[ours.size()];
        double maxBox = 0;
        double maxScore = 0;
        for (int i = 0; i < scores.length; i++) {
            int match = -1;
            double best = Double.MAX_VALUE;
            for (int j = 0; j < ours.size(); j++) {
                DetectionResult d = ours.get(j);
                if (used[j] || d.categoryId() != labels[i]) {
                    continue;
                }
                double e = Math.max(Math.max(Math.abs(d.x() - boxes[4 * i]), Math.abs(d.y() - boxes[4 * i + 1])),
                        Math.max(Math.abs(d.x() + d.width() - boxes[4 * i + 2]), Math.abs(d.y() + d.height() - boxes[4 * i + 3])));
                if (e < best) {
                    best = e;
                    match = j;
                }
            }
            assertTrue(match >= 0, "torchvision detection " + i + " (label " + labels[i] + ") has no counterpart");
            used[match] = true;
            maxBox = Math.max(maxBox, best);
            maxScore = Math.max(maxScore, Math.abs(ours.get(match).score() - scores[i]));
            assertEquals(1, ours.get(match).imageId());
        }
        String measured = "max |Δ box corner| = " + maxBox + " px, max |Δ score| = " + maxScore;
        assertTrue(maxBox <= BOX_TOLERANCE, measured);
        assertTrue(maxScore <= SCORE_TOLERANCE, measured);
        // and in torchvision's order (descending score)
        for (int i = 0; i < scores.length; i++) {
            assertEquals(scores[i], ours.get(i).score(), SCORE_TOLERANCE, "detection " + i);
        }
    }

    /**
     * {@code --classes coco}: the detections are a COCO results file that {@code eval} scores directly against COCO
     * ground truth; {@code eval --model} computes the same detections itself and gives the same metrics.
     */
    @Test
    void cocoClassesScoreAgainstCocoGroundTruth() throws IOException {
        Path coco = tmp.resolve("coco.zip");
        CliRun imp = CliRun.of("import", "--torchvision", weights.toString(), "--classes", "coco", "--out", coco.toString());
        assertEquals(0, imp.exit(), imp.err());
        try (Detector d = Detector.load(coco)) {
            assertEquals(80, d.metadata().categories().size());
        }
        // ground truth: the image with COCO's 80 categories and, as objects, five of torchvision's own boxes
        ObjectMapper json = new ObjectMapper();
        ObjectNode gt = json.createObjectNode();
        gt.putArray("images").addObject().put("id", 1).put("file_name", image.getFileName().toString())
                .put("width", 1000).put("height", 800);
        ArrayNode cats = gt.putArray("categories");
        List<String> labels = TorchvisionImport.COCO_LABELS;
        for (int id = 1; id < labels.size(); id++) {
            if (!labels.get(id).equals("N/A")) {
                cats.addObject().put("id", id).put("name", labels.get(id)).put("supercategory", "coco");
            }
        }
        ArrayNode anns = gt.putArray("annotations");
        float[] boxes = expected.get("boxes").data().asFloat();
        long[] l = expected.get("labels").data().asLong();
        int n = 0;
        for (int i = 0; i < l.length && n < 5; i++) {
            if (!labels.get((int) l[i]).equals("N/A") && l[i] != 0) {
                double w = boxes[4 * i + 2] - boxes[4 * i], h = boxes[4 * i + 3] - boxes[4 * i + 1];
                ArrayNode bbox = anns.addObject().put("id", ++n).put("image_id", 1).put("category_id", l[i])
                        .put("area", w * h).put("iscrowd", 0).putArray("bbox");
                bbox.add(boxes[4 * i]).add(boxes[4 * i + 1]).add(w).add(h);
            }
        }
        Path gtFile = tmp.resolve("gt.json");
        json.writeValue(gtFile.toFile(), gt);
        Path out = tmp.resolve("detect-coco");
        CliRun det = CliRun.of("detect", "--model", coco.toString(), image.toString(), "--out", out.toString(), "--score-threshold", "0.05");
        assertEquals(0, det.exit(), det.err());
        Path fromDets = tmp.resolve("m-dets.json");
        Path fromModel = tmp.resolve("m-model.json");
        CliRun e1 = CliRun.of("eval", "--gt", gtFile.toString(), "--dets", out.resolve(DetectCommand.RESULTS_FILE).toString(),
                "--metric", "coco", "--out", fromDets.toString());
        assertEquals(0, e1.exit(), e1.err());
        CliRun e2 = CliRun.of("eval", "--gt", gtFile.toString(), "--images", image.getParent().toString(), "--model", coco.toString(),
                "--metric", "coco", "--out", fromModel.toString());
        assertEquals(0, e2.exit(), e2.err());
        JsonNode a = json.readTree(fromDets.toFile());
        assertEquals(a, json.readTree(fromModel.toFile()));
        // the five objects are among the detections: AP50 is well above zero
        assertTrue(a.at("/coco/stats/AP50").asDouble() > 0.5, a.toString());
    }

    @Test
    void anotherArchitecturesStateDictIsRejected() throws IOException {
        Map<String, INDArray> resnet = new LinkedHashMap<>();
        resnet.put("conv1.weight", Nd4j.rand(DataType.FLOAT, 8, 3, 7, 7));
        resnet.put("bn1.weight", Nd4j.ones(DataType.FLOAT, 8));
        resnet.put("fc.weight", Nd4j.rand(DataType.FLOAT, 10, 8));
        Path npz = NpzFiles.write(Files.createDirectories(tmp.resolve("arch")).resolve("resnet.npz"), resnet);
        assertFails(npz, "is not a torchvision RetinaNet state dict: it has no tensor 'head.classification_head.cls_logits.weight'"
                + " (it holds an ImageNet classification ResNet: use it with train --backbone-weights)");
    }

    @Test
    void aTruncatedArchiveIsRejected() throws IOException {
        byte[] bytes = Files.readAllBytes(weights);
        Path npz = Files.write(Files.createDirectories(tmp.resolve("truncated")).resolve("weights.npz"),
                java.util.Arrays.copyOf(bytes, bytes.length - 1000));
        assertFails(npz, "is not a valid zip (corrupt or truncated)");
    }

    @Test
    void nonFiniteWeightsAreRejectedNamingTheTensor() throws IOException {
        Map<String, INDArray> sd = new LinkedHashMap<>(NpzReader.read(weights));
        INDArray w = sd.get("head.regression_head.conv.2.0.weight").castTo(DataType.FLOAT).dup();
        w.putScalar(3, Float.NEGATIVE_INFINITY);
        sd.put("head.regression_head.conv.2.0.weight", w);
        Path npz = NpzFiles.write(Files.createDirectories(tmp.resolve("nan")).resolve("weights.npz"), sd);
        assertFails(npz, "tensors with NaN or Inf values (1): [head.regression_head.conv.2.0.weight (1 of 9216 values)]");
    }

    @Test
    void aClassListOfAnotherSizeIsRejectedNamingTheCounts() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("classes"));
        Path names = Files.writeString(dir.resolve("names.txt"), "cat\ndog\n");
        Path out = dir.resolve("model.zip");
        CliRun r = CliRun.of("import", "--torchvision", weights.toString(), "--classes", names.toString(), "--out", out.toString());
        assertEquals(Retina4jCli.EXIT_FAILED, r.exit());
        assertEquals("retina4j import: error: --classes " + names + " lists 2 classes but the classification head of "
                + weights + " predicts 91", r.err().strip());
        assertFalse(Files.exists(out));
    }

    /**
     * {@code --mmdet}: the Libra RetinaNet of the mmdetection fixture ({@code imports/mmdet_retinanet_r50w16}, 3 classes)
     * is recognised by its balanced pyramid and written with mmdetection's test settings.
     */
    @Test
    void anMmdetectionCheckpointImportsAndLoads() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("mmdet"));
        Path npz = NpzFiles.copy(NpzFiles.MMDET_R50W16 + "libra.npz", dir);
        Path names = Files.writeString(dir.resolve("names.txt"), "a\nb\nc\n");
        Path out = dir.resolve("libra.zip");
        CliRun r = CliRun.of("import", "--mmdet", npz.toString(), "--classes", names.toString(), "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("mmdetection Libra RetinaNet, ResNet-50 (width 4) + FPN 16, 4 head convs, 3 classes"), r.out());
        try (Detector d = Detector.load(out)) {
            assertEquals(3, d.metadata().categories().size());
            assertEquals(100, d.metadata().postprocessing().maxDetectionsPerImage());
            assertEquals("mmdet-libra-retinanet", d.metadata().modelConfig().path("architecture").asText());
        }
    }

    @Test
    void badMmdetectionInputIsRejectedNamingTheTensor() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("mmdet-bad"));
        Path good = NpzFiles.copy(NpzFiles.MMDET_R50W16 + "retinanet.npz", dir);
        Map<String, INDArray> sd = NpzReader.read(good);
        Files.delete(good);
        mmdetClasses = Files.writeString(dir.resolve("names.txt"), "a\nb\nc\n");
        assertFailsMmdet(weights, "is not an mmdetection RetinaNet state dict: it has no tensor 'bbox_head.retina_cls.weight'"
                + " (it holds a torchvision RetinaNet: import it with --torchvision)");

        Map<String, INDArray> missing = new LinkedHashMap<>(sd);
        missing.remove("bbox_head.reg_convs.3.conv.bias");
        assertFailsMmdet(NpzFiles.write(Files.createDirectories(dir.resolve("missing")).resolve("m.npz"), missing),
                "does not fit: missing tensors (1): [bbox_head.reg_convs.3.conv.bias]");

        Map<String, INDArray> extra = new LinkedHashMap<>(sd);
        extra.put("neck.fpn_convs.5.conv.bias", sd.get("neck.fpn_convs.4.conv.bias"));
        assertFailsMmdet(NpzFiles.write(Files.createDirectories(dir.resolve("extra")).resolve("e.npz"), extra),
                "does not fit: unexpected tensors (1): [neck.fpn_convs.5.conv.bias]");

        Map<String, INDArray> shaped = new LinkedHashMap<>(sd);
        shaped.put("neck.lateral_convs.2.conv.bias", Nd4j.zeros(DataType.FLOAT, 15));
        assertFailsMmdet(NpzFiles.write(Files.createDirectories(dir.resolve("shape")).resolve("s.npz"), shaped),
                "shape mismatches (1): [neck.lateral_convs.2.conv.bias [15] vs backbone.fpn.inner_blocks.2_b [16]]");

        Path npz = NpzFiles.write(Files.createDirectories(dir.resolve("both")).resolve("r.npz"), sd);
        CliRun both = CliRun.of("import", "--mmdet", npz.toString(), "--torchvision", npz.toString(), "--out",
                dir.resolve("both").resolve("x.zip").toString());
        assertEquals(Retina4jCli.EXIT_FAILED, both.exit());
        assertEquals("retina4j import: error: give exactly one of --torchvision FILE.npz and --mmdet FILE.npz", both.err().strip());
    }

    /** Exit code 1, one line on stderr containing {@code message}, and no file written next to the output. */
    private static void assertFails(Path npz, String message) throws IOException {
        assertFails(npz, message, "--torchvision");
    }

    /** The fixture's 3 class names, for {@code --mmdet} (whose default, coco, needs 80). */
    private static Path mmdetClasses;

    private static void assertFailsMmdet(Path npz, String message) throws IOException {
        assertFails(npz, message, "--mmdet", "--classes", mmdetClasses.toString());
    }

    private static void assertFails(Path npz, String message, String option, String... more) throws IOException {
        Path out = npz.resolveSibling("model.zip");
        Set<String> before = names(npz.getParent());
        List<String> args = new ArrayList<>(List.of("import", option, npz.toString(), "--out", out.toString()));
        args.addAll(List.of(more));
        CliRun r = CliRun.of(args.toArray(new String[0]));
        assertEquals(Retina4jCli.EXIT_FAILED, r.exit(), r.err());
        List<String> lines = new ArrayList<>(r.err().strip().lines().toList());
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("retina4j import: error: "), lines.get(0));
        assertTrue(lines.get(0).contains(message), lines.get(0));
        assertFalse(Files.exists(out));
        assertEquals(before, names(npz.getParent()));
    }

    private static Set<String> names(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
