package io.github.retina4j.models.imports;

import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL1;

import java.util.LinkedHashMap;
import java.util.Map;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parity with torchvision 0.14.1 (Debian python3-torchvision, torch 1.13): a randomly initialised
 * RetinaNet with a ResNet-18 body, FPN 64 channels, 3 classes, 9 anchors, exported to
 * {@code imports/torchvision_retinanet_r18_fpn64_3cls.npz} (9.4 MB) by a script that was run once and not
 * committed. Its steps:
 * <ol>
 *   <li>{@code torch.manual_seed(0)}; {@code body = torchvision.models.resnet18(weights=None,
 *       norm_layer=torchvision.ops.misc.FrozenBatchNorm2d)}; every FrozenBatchNorm2d gets random
 *       weight U(0.5, 1.5), bias N(0, 0.1), running_mean N(0, 0.1), running_var U(0.5, 1.5);</li>
 *   <li>{@code backbone = BackboneWithFPN(body, {"layer2": "0", "layer3": "1", "layer4": "2"}, [128, 256, 512],
 *       64, extra_blocks=LastLevelP6P7(64, 64))} (P6 from P5, as {@code retinanet_resnet50_fpn});
 *       {@code model = RetinaNet(backbone, num_classes=3).eval()};</li>
 *   <li>FPN and head biases (except cls_logits) set to N(0, 0.05), head conv weights to N(0, 0.03) so that
 *       every head tensor changes the outputs well beyond 1e-4;</li>
 *   <li>every float tensor of the state dict snapped to a power-of-two grid with ≤ 6 significant bits
 *       ({@code step = 2^(ceil(log2 max|w|) − 5)}, {@code w = round(w/step)·step}), then to float16: the
 *       values are exact in float16, so the fixture stores the weights as float16 (compressible) and torch
 *       ran on exactly those values;</li>
 *   <li>{@code x = torch.randn(1, 3, 128, 256)}; {@code out = model.head(list(model.backbone(x).values()))};
 *       {@code cls_logits} [N, A, K] and {@code bbox_regression} [N, A, 4] stored transposed as [N, K, A];</li>
 *   <li>{@code np.savez_compressed(path, **state_dict_as_float16, __input__=x, __cls_logits__=...,
 *       __bbox_regression__=...)} (inputs and outputs float32).</li>
 * </ol>
 */
class TorchvisionRetinaNetImporterTest {

    private static final String FIXTURE = "torchvision_retinanet_r18_fpn64_3cls.npz";
    /**
     * Largest |Δ| allowed between our and torchvision's head outputs: float32 rounding, summed in another order
     * (measured 8.6e-6 on logits of std 1.3).
     */
    private static final double HEAD_OUTPUT_TOLERANCE = 3e-5;
    private static Map<String, INDArray> fixture;
    /** One torchvision-compatible graph shared by the tests: every import overwrites all its parameters. */
    private static ComputationGraph tvGraph;

    @BeforeAll
    static void load() throws Exception {
        fixture = NpzReader.read(NpzReaderTest.resource(FIXTURE));
        tvGraph = graph(FpnConfig.P6Source.P5);
    }

    /** Our builder with torchvision's switches: ResNet-18, frozen BN, FPN 64 with P6 from P5, 64-wide heads. */
    static ComputationGraph graph(FpnConfig.P6Source p6) {
        RetinaNetConfig cfg = new RetinaNetConfig.Builder(3).backbone(ResNetConfig.of(18))
                .fpn(new FpnConfig(64, p6))
                .head(new HeadConfig(64, HeadConfig.DEFAULT_NUM_CONVS, HeadConfig.DEFAULT_NUM_ANCHORS,
                        HeadConfig.DEFAULT_PRIOR, HeadConfig.DEFAULT_WEIGHT_STD))
                .classLoss(new LossBinaryXENT()).boxLoss(new LossL1()).build();
        return RetinaNet.build(cfg);
    }

    private static Map<String, INDArray> stateDict() {
        Map<String, INDArray> sd = new LinkedHashMap<>(fixture);
        sd.keySet().removeIf(k -> k.startsWith("__"));
        return sd;
    }

    @Test
    void importedWeightsReproduceTorchvisionHeadOutputs() {
        ComputationGraph g = tvGraph;
        TorchvisionRetinaNetImporter.Report report = TorchvisionRetinaNetImporter.importInto(g, stateDict());
        assertEquals(stateDict().size(), report.tensorsImported());
        INDArray[] out = g.output(false, fixture.get("__input__").castTo(DataType.FLOAT));
        INDArray cls = out[g.getConfiguration().getNetworkOutputs().indexOf(RetinaNet.CLASS_OUTPUT)];
        INDArray box = out[g.getConfiguration().getNetworkOutputs().indexOf(RetinaNet.BOX_OUTPUT)];
        INDArray expCls = fixture.get("__cls_logits__");
        INDArray expBox = fixture.get("__bbox_regression__");
        assertArrayEquals(expCls.shape(), cls.shape());
        assertArrayEquals(expBox.shape(), box.shape());
        double clsErr = TorchvisionImportTest.maxAbsDiff(cls, expCls);
        double boxErr = TorchvisionImportTest.maxAbsDiff(box, expBox);
        assertTrue(clsErr <= HEAD_OUTPUT_TOLERANCE, "max |Δ class logit| = " + clsErr);
        assertTrue(boxErr <= HEAD_OUTPUT_TOLERANCE, "max |Δ box delta| = " + boxErr);
        // the outputs are far from constant, so the tolerance is meaningful
        assertTrue(expCls.stdNumber().doubleValue() > 0.1 && expBox.stdNumber().doubleValue() > 0.1);
    }

    @Test
    void paperP6SwitchIsCaughtAsAShapeMismatch() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchvisionRetinaNetImporter.importInto(graph(FpnConfig.P6Source.C5), stateDict()));
        assertTrue(e.getMessage().contains("backbone.fpn.extra_blocks.p6.weight [64, 64, 3, 3] vs backbone.fpn.extra_blocks.p6_W [64, 512, 3, 3]"),
                e.getMessage());
    }

    @Test
    void missingUnexpectedAndMisShapedTensorsAreListed() {
        ComputationGraph g = tvGraph;
        Map<String, INDArray> sd = stateDict();
        sd.remove("backbone.body.layer3.1.conv2.weight");
        sd.put("backbone.body.layer9.0.conv1.weight", Nd4j.zeros(1));
        sd.put("roi_heads.box_predictor.weight", Nd4j.zeros(1));
        sd.put("head.regression_head.bbox_reg.bias", Nd4j.zeros(35));
        INDArray before = g.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchvisionRetinaNetImporter.importInto(g, sd));
        String msg = e.getMessage();
        assertFalse(msg.contains("\n"), "one line: " + msg);
        assertTrue(msg.contains("graph parameters missing from the state dict (1): [backbone.body.layer3.1.conv2_W]"), msg);
        assertTrue(msg.contains("backbone.body.layer9.0.conv1.weight (no layer 'backbone.body.layer9.0.conv1' in the graph)"), msg);
        assertTrue(msg.contains("roi_heads.box_predictor.weight"), msg);
        assertTrue(msg.contains("head.regression_head.bbox_reg.bias [35] vs head.regression_head_bboxRegb"), msg);
        // nothing is written when the state dict does not fit
        assertIdentical("parameters after a rejected state dict", before, g.params());
    }

    @Test
    void olderTorchvisionHeadNamesAreAccepted() {
        // torchvision < 0.13 named the head convs conv.0, conv.2, conv.4, conv.6 (conv/ReLU Sequential) and
        // the FPN blocks without the trailing ".0"
        Map<String, INDArray> old = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : stateDict().entrySet()) {
            String k = e.getKey()
                    .replaceAll("(head\\.\\w+_head\\.conv)\\.(\\d)\\.0\\.", "$1.#$2.")
                    .replaceAll("(backbone\\.fpn\\.\\w+_blocks\\.\\d)\\.0\\.", "$1.");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("#(\\d)").matcher(k);
            if (m.find()) {
                k = m.replaceFirst(String.valueOf(2 * Integer.parseInt(m.group(1))));
            }
            old.put(k, e.getValue());
        }
        TorchvisionRetinaNetImporter.importInto(tvGraph, stateDict());
        INDArray current = tvGraph.params().dup();
        tvGraph.params().assign(0);
        TorchvisionRetinaNetImporter.importInto(tvGraph, old);
        assertIdentical("parameters imported from the older names", current, tvGraph.params());
    }
}
