package io.github.retina4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.heads.RetinaHead;
import io.github.retina4j.models.imports.NpzFiles;
import io.github.retina4j.models.imports.TorchvisionRetinaNetImporter;
import io.github.retina4j.models.imports.TorchvisionRetinaNetLayout;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.models.retinanet.LibraRetinaNet;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** ImageNet backbone weights and fine-tuning initialisation, with torchvision's state-dict names. */
class TrainingInitTest {

    /** A RetinaNet on {@code backbone} with a narrow FPN and one head conv: the backbone is what is tested. */
    private static ComputationGraph detector(ResNetConfig backbone) {
        return RetinaNet.build(RetinaNet.defaults(3).backbone(backbone).fpn(new FpnConfig(16, FpnConfig.P6Source.C5))
                .head(new HeadConfig(16, 1, 9, HeadConfig.DEFAULT_PRIOR, HeadConfig.DEFAULT_WEIGHT_STD)).build());
    }

    /**
     * Every tensor of torchvision's ImageNet ResNet-50 (bottleneck blocks; names and shapes printed by torchvision
     * 0.14.1) lands in the backbone: convs as they are, BatchNorm as torchvision's FrozenBatchNorm2d computes it;
     * the classifier is dropped, and FPN and heads keep the papers' initialisation.
     */
    @Test
    void imagenetResNet50FillsTheBackboneAndNothingElse() throws Exception {
        Map<String, INDArray> sd = NpzFiles.torchvisionResNet("resnet50", 1);
        ComputationGraph g = detector(ResNetConfig.of(50));
        Map<String, INDArray> before = new LinkedHashMap<>();
        g.paramTable(false).forEach((k, v) -> before.put(k, v.dup()));
        TorchvisionRetinaNetImporter.Report r = TorchvisionRetinaNetImporter.importBackbone(g, sd);
        assertTrue(r.skipped().containsAll(List.of("fc.weight (ImageNet classifier, not part of the detector)",
                "fc.bias (ImageNet classifier, not part of the detector)", "layer4.2.bn3.num_batches_tracked")), r.skipped().toString());
        assertEquals(sd.get("layer3.5.conv3.weight"), g.getParam("backbone.body.layer3.5.conv3_W"));
        assertEquals(sd.get("conv1.weight"), g.getParam("backbone.body.conv1_W"));
        assertEquals(sd.get("layer2.0.downsample.0.weight"), g.getParam("backbone.body.layer2.0.downsample.0_W"));
        // FrozenBatchNorm2d: scale = γ / sqrt(σ² + 1e-5), shift = β − μ·scale
        INDArray gamma = sd.get("layer4.0.bn2.weight"), beta = sd.get("layer4.0.bn2.bias");
        INDArray mean = sd.get("layer4.0.bn2.running_mean"), var = sd.get("layer4.0.bn2.running_var");
        INDArray scale = gamma.castTo(DataType.DOUBLE).div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(var.castTo(DataType.DOUBLE).add(1e-5)));
        INDArray shift = beta.castTo(DataType.DOUBLE).sub(mean.castTo(DataType.DOUBLE).mul(scale));
        assertTrue(scale.equalsWithEps(g.getParam("backbone.body.layer4.0.bn2_W").castTo(DataType.DOUBLE).reshape(scale.shape()), 1e-6));
        assertTrue(shift.equalsWithEps(g.getParam("backbone.body.layer4.0.bn2_b").castTo(DataType.DOUBLE).reshape(shift.shape()), 1e-6));
        for (Map.Entry<String, INDArray> e : g.paramTable(false).entrySet()) {
            boolean body = e.getKey().startsWith("backbone.body.");
            assertEquals(!body, e.getValue().equals(before.get(e.getKey())), e.getKey());
        }
        // the class bias still encodes the prior π = 0.01 (Lin et al. 2017 §4.1)
        INDArray bias = g.paramTable(false).get(RetinaHead.CLASSIFICATION + "_clsLogitsb");
        assertEquals(-Math.log(99), bias.getDouble(0), 1e-6);
    }

    @Test
    void missingExtraAndMisShapedTensorsAreEachNamed() throws Exception {
        Map<String, INDArray> sd = NpzFiles.torchvisionResNet("resnet18", 2);
        sd.remove("layer2.1.conv2.weight");
        sd.remove("layer3.0.bn1.running_var");
        sd.put("layer5.0.conv1.weight", Nd4j.zeros(DataType.FLOAT, 8, 8, 3, 3));
        sd.put("layer1.0.conv1.weight", Nd4j.zeros(DataType.FLOAT, 64, 64, 1, 1));
        ComputationGraph g = detector(ResNetConfig.of(18));
        INDArray before = g.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TorchvisionRetinaNetImporter.importBackbone(g, sd));
        String msg = e.getMessage();
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.contains("layer1.0.conv1.weight [64, 64, 1, 1] vs backbone.body.layer1.0.conv1_W [64, 64, 3, 3]"), msg);
        assertTrue(msg.contains("layer3.0.bn1.running_var is missing"), msg);
        assertTrue(msg.contains("unexpected tensors (1): [layer5.0.conv1.weight (no layer 'backbone.body.layer5.0.conv1' in the graph)]"), msg);
        assertTrue(msg.contains("graph parameters missing from the state dict (1): [backbone.body.layer2.1.conv2_W]"), msg);
        assertEquals(before, g.params());
        // a ResNet-50 checkpoint for a ResNet-18 backbone: every bottleneck tensor is named
        Map<String, INDArray> r50 = NpzFiles.torchvisionResNet("resnet50", 3);
        IllegalArgumentException e50 = assertThrows(IllegalArgumentException.class, () -> TorchvisionRetinaNetImporter.importBackbone(g, r50));
        assertTrue(e50.getMessage().contains("layer1.0.conv3.weight (no layer 'backbone.body.layer1.0.conv3' in the graph)"), e50.getMessage());
        assertTrue(e50.getMessage().contains("layer3.5.conv1.weight"), e50.getMessage());
    }

    /** A torchvision-layout detector saved as an import would be (small sizes), with random parameters. */
    private static Path importedModel(Path dir, TorchvisionRetinaNetLayout layout) throws Exception {
        ComputationGraph g = RetinaNet.build(layout.config().seed(11).build());
        Nd4j.getRandom().setSeed(5);
        g.params().assign(Nd4j.randn(DataType.FLOAT, 1, g.params().length()).muli(0.1));
        int[] ids = new int[layout.numClasses()];
        String[] names = new String[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
            names[i] = "c" + i;
        }
        ModelMetadata m = new ModelMetadata(new CategoryMapping(ids, names), PreprocessConfig.torchvision(),
                AnchorConfig.torchvisionRetinaNet(), BoxCoder.torchvisionDefault(), PostProcessConfig.torchvision(),
                RetinaNet.CLASS_OUTPUT, RetinaNet.BOX_OUTPUT, layout.toJson());
        Path file = dir.resolve("imported.zip");
        ModelFile.save(g, m, file, false);
        return file;
    }

    @Test
    void fineTuningLoadsEverythingButTheClassificationLayer(@TempDir Path dir) throws Exception {
        TorchvisionRetinaNetLayout layout = new TorchvisionRetinaNetLayout(18, 8, 16, 2, 9, 91);
        Path file = importedModel(dir, layout);
        assertEquals(layout, TrainingInit.torchvisionLayout(file));
        RetinaNetConfig recipe = RetinaNet.defaults(4).build();
        RetinaNetConfig config = TrainingInit.withLayout(recipe, layout);
        assertEquals(4, config.numClasses());
        assertEquals(new FpnConfig(16, FpnConfig.P6Source.P5), config.fpn());
        assertEquals(AnchorConfig.torchvisionRetinaNet(), config.anchors());
        assertEquals(recipe.classLoss(), config.classLoss());
        ComputationGraph g = RetinaNet.build(config);
        INDArray freshClass = g.paramTable(false).get(RetinaHead.CLASSIFICATION + "_clsLogitsW").dup();
        int copied = TrainingInit.fromModel(g, file);
        ComputationGraph source = ModelFile.load(file, false).graph();
        assertEquals(source.paramTable(false).size() - 2, copied);
        for (Map.Entry<String, INDArray> e : g.paramTable(false).entrySet()) {
            if (e.getKey().startsWith(RetinaHead.CLASSIFICATION + "_clsLogits")) {
                assertEquals(36, e.getValue().shape()[e.getValue().rank() - 1], e.getKey());
                continue;
            }
            assertEquals(source.paramTable(false).get(e.getKey()), e.getValue(), e.getKey());
        }
        assertEquals(freshClass, g.paramTable(false).get(RetinaHead.CLASSIFICATION + "_clsLogitsW"));
        assertEquals(-Math.log(99), g.paramTable(false).get(RetinaHead.CLASSIFICATION + "_clsLogitsb").getDouble(0), 1e-6);
        assertNotEquals(freshClass.length(), source.paramTable(false).get(RetinaHead.CLASSIFICATION + "_clsLogitsW").length());

        // Libra's balanced pyramid is not in the file: each of its parameters is named, nothing is changed
        ComputationGraph libra = RetinaNet.build(LibraRetinaNet.libra(config.toBuilder()).build());
        INDArray libraBefore = libra.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainingInit.fromModel(libra, file));
        assertTrue(e.getMessage().startsWith("--init " + file + " does not fit the model to train: parameters missing from it ("),
                e.getMessage());
        assertTrue(e.getMessage().contains("neck."), e.getMessage());
        assertEquals(libraBefore, libra.params());
    }
}
