package io.github.retina4j.examples;

import io.github.retina4j.data.anchors.AnchorConfig;
import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.data.boxes.BoxCoder;
import io.github.retina4j.losses.SigmoidFocalLoss;
import io.github.retina4j.losses.SmoothL1Loss;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.fpn.FpnConfig;
import io.github.retina4j.models.heads.HeadConfig;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.io.PreprocessConfig;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import java.io.IOException;
import java.nio.file.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;

/** A tiny untrained RetinaNet saved as a model file, for tests that need one quickly. */
final class TinyRetinaNet {

    static final CategoryMapping CLASSES = new CategoryMapping(new int[] {1, 2}, new String[] {"circle", "square"});

    private TinyRetinaNet() {
    }

    static Path write(Path file) throws IOException {
        RetinaNetConfig c = new RetinaNetConfig.Builder(CLASSES.size())
                .backbone(new SmallBackboneConfig(new int[] {4, 4, 8, 8, 8}))
                .fpn(new FpnConfig(8, FpnConfig.P6Source.C5))
                .head(new HeadConfig(8, 1, 9, 0.01, 0.01))
                .classLoss(new SigmoidFocalLoss()).boxLoss(new SmoothL1Loss()).build();
        ComputationGraph g = RetinaNet.build(c);
        ModelMetadata meta = new ModelMetadata(CLASSES, PreprocessConfig.of(64, 64, 32), AnchorConfig.retinaNet(),
                BoxCoder.mmdetectionDefault(), PostProcessConfig.coco().withScoreThreshold(0.0),
                RetinaNet.CLASS_OUTPUT, RetinaNet.BOX_OUTPUT, null);
        ModelFile.save(g, meta, file, false);
        return file;
    }
}
