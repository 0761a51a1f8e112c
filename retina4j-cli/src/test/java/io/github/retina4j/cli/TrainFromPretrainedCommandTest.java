package io.github.retina4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.data.synthetic.ShapesLtConfig;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.synthetic.ShapesLtGenerator;
import io.github.retina4j.models.imports.NpzFiles;
import io.github.retina4j.models.imports.TorchvisionRetinaNetLayout;
import io.github.retina4j.models.io.ModelFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** {@code retina4j train --backbone-weights} (ImageNet ResNet) and {@code --init} (fine-tune an imported detector). */
class TrainFromPretrainedCommandTest {

    @TempDir
    static Path tmp;
    static ShapesLtFiles data;


    @BeforeAll
    static void generate() {
        data = new ShapesLtGenerator(ShapesLtConfig.builder().seed(5).numClasses(3).trainImages(4).valImages(2)
                .imageSize(64, 96).objectSize(16, 40).longTail(3, 1).build()).writeTo(tmp.resolve("data"));
    }

    private static String[] train(Path out, String... more) {
        String[] common = {"train", "--annotations", data.trainCoco().toString(), "--images", data.trainImages().toString(),
                "--out", out.toString(), "--batch-size", "2", "--image-size", "64", "--iterations", "1",
                "--checkpoint-every", "1", "--no-progress"};
        String[] r = java.util.Arrays.copyOf(common, common.length + more.length);
        System.arraycopy(more, 0, r, common.length, more.length);
        return r;
    }

    /**
     * torchvision's ImageNet ResNet-18 names (its state dict, random values) go into the backbone: after a training
     * step the frozen parts — stem, layer1 and every BatchNorm — still hold the checkpoint's values.
     */
    @Test
    void imagenetBackboneWeightsAreLoadedAndFrozenPartsKeepThem() throws IOException {
        Map<String, INDArray> sd = NpzFiles.torchvisionResNet("resnet18", 4);
        Path npz = NpzFiles.write(Files.createDirectories(tmp.resolve("r18")).resolve("resnet18.npz"), sd);
        Path out = tmp.resolve("run-backbone");
        CliRun r = CliRun.of(train(out, "--backbone", "resnet18", "--backbone-weights", npz.toString()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("backbone: 100 tensors from " + npz + "; dropped [fc.weight (ImageNet classifier, not part "
                + "of the detector), fc.bias (ImageNet classifier, not part of the detector)] and 20 BatchNorm counters"), r.out());
        ComputationGraph g = ModelFile.load(out.resolve(TrainCommand.MODEL_FILE), false).graph();
        assertEquals(sd.get("conv1.weight"), g.getParam("backbone.body.conv1_W"));
        assertEquals(sd.get("layer1.1.conv2.weight"), g.getParam("backbone.body.layer1.1.conv2_W"));
        INDArray scale = sd.get("layer4.1.bn2.weight").castTo(DataType.DOUBLE)
                .div(Transforms.sqrt(sd.get("layer4.1.bn2.running_var").castTo(DataType.DOUBLE).add(1e-5)));
        assertTrue(scale.equalsWithEps(g.getParam("backbone.body.layer4.1.bn2_W").castTo(DataType.DOUBLE).reshape(scale.shape()), 1e-6));
        // trainable layers moved from the checkpoint's values, but only by one small step
        INDArray w = g.getParam("backbone.body.layer4.1.conv2_W");
        INDArray w0 = sd.get("layer4.1.conv2.weight");
        assertFalse(w0.equals(w));
        assertTrue(w0.equalsWithEps(w, 1e-2));
    }

    @Test
    void backboneWeightsOfAnotherDepthAreRejectedNamingTheTensors() throws IOException {
        Path npz = NpzFiles.write(Files.createDirectories(tmp.resolve("r18b")).resolve("resnet18.npz"),
                NpzFiles.torchvisionResNet("resnet18", 4));
        Path out = tmp.resolve("run-bad-backbone");
        CliRun r = CliRun.of(train(out, "--backbone", "resnet50", "--backbone-weights", npz.toString()));
        assertEquals(Retina4jCli.EXIT_FAILED, r.exit());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("retina4j train: error: " + npz + ": ImageNet ResNet state dict does not fit the graph: "), err);
        assertTrue(err.contains("layer1.0.conv1.weight [64, 64, 3, 3] vs backbone.body.layer1.0.conv1_W [64, 64, 1, 1]"), err);
        assertTrue(err.contains("backbone.body.layer1.0.conv3_W"), err);
        assertFalse(Files.exists(out.resolve(TrainCommand.MODEL_FILE)));
        CliRun small = CliRun.of(train(tmp.resolve("run-small"), "--backbone-weights", npz.toString()));
        assertEquals(Retina4jCli.EXIT_FAILED, small.exit());
        assertTrue(small.err().contains("--backbone-weights needs a ResNet backbone"), small.err());
    }

    /** An imported torchvision detector, fine-tuned on shapes-lt's 3 classes: its architecture, a new class layer. */
    @Test
    void anImportedDetectorIsFineTunedOnNewClasses() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("tv"));
        Path weights = NpzFiles.copy(NpzFiles.TV_R50W8 + "weights.npz", dir);
        Path imported = dir.resolve("tv.zip");
        CliRun imp = CliRun.of("import", "--torchvision", weights.toString(), "--classes", "coco", "--out", imported.toString());
        assertEquals(0, imp.exit(), imp.err());
        Path out = tmp.resolve("run-init");
        CliRun r = CliRun.of(train(out, "--init", imported.toString()));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("new classification layer for 3 classes"), r.out());
        assertTrue(r.out().contains("resnet50 backbone"), r.out());
        ModelFile.Loaded tuned = ModelFile.load(out.resolve(TrainCommand.MODEL_FILE), false);
        assertEquals(3, tuned.metadata().categories().size());
        assertEquals(AnchorConfig.torchvisionRetinaNet(), tuned.metadata().anchors());
        assertEquals(new TorchvisionRetinaNetLayout(50, 8, 32, 4, 9, 3), TorchvisionRetinaNetLayout.fromJson(tuned.metadata().modelConfig()));
        // the frozen stem is the imported one
        ComputationGraph source = ModelFile.load(imported, false).graph();
        assertEquals(source.getParam("backbone.body.conv1_W"), tuned.graph().getParam("backbone.body.conv1_W"));

        CliRun wrong = CliRun.of(train(tmp.resolve("run-init-bad"), "--init", imported.toString(), "--backbone", "resnet18"));
        assertEquals(Retina4jCli.EXIT_FAILED, wrong.exit());
        assertEquals("retina4j train: error: --init " + imported + " is a torchvision RetinaNet on resnet50, not --backbone resnet18",
                wrong.err().strip());
    }
}
