package io.github.retina4j.train;

import io.github.retina4j.models.backbone.ResNetConfig;
import io.github.retina4j.models.heads.RetinaHead;
import io.github.retina4j.models.heads.SharedHeadVertex;
import io.github.retina4j.models.imports.NpzReader;
import io.github.retina4j.models.imports.TorchvisionRetinaNetImporter;
import io.github.retina4j.models.imports.TorchvisionRetinaNetLayout;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a training run's weights start, besides the papers' random initialisation: an ImageNet-pretrained ResNet
 * backbone (as every published RetinaNet result does, Lin et al. 2017 §4.1 "Initialization"), or a whole detector to
 * fine-tune on other classes. Every tensor is accounted for: a missing, extra or mis-shaped one is an error naming it.
 */
public final class TrainingInit {

    private TrainingInit() {
    }

    /**
     * Loads a torchvision ImageNet classification ResNet (exported to {@code .npz}) into the backbone of
     * {@code graph} ({@link TorchvisionRetinaNetImporter#importBackbone}: classifier dropped, BatchNorm statistics
     * of the checkpoint); FPN and heads keep the papers' initialisation (prior π = 0.01 on the class bias).
     *
     * @return what was imported (the dropped classifier tensors among {@code skipped})
     */
    public static TorchvisionRetinaNetImporter.Report backbone(ComputationGraph graph, RetinaNetConfig config, Path npz)
            throws IOException {
        if (!(config.backbone() instanceof ResNetConfig)) {
            throw new IllegalArgumentException("--backbone-weights needs a ResNet backbone (--backbone resnet18, resnet34, "
                    + "resnet50 or resnet101), not " + config.backbone().getClass().getSimpleName());
        }
        Map<String, INDArray> stateDict = NpzReader.read(npz);
        try {
            return TorchvisionRetinaNetImporter.importBackbone(graph, stateDict);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(npz + ": " + e.getMessage(), e);
        }
    }

    /**
     * The architecture of a model file if it was imported from torchvision (its metadata records the layout), else
     * null.
     */
    public static TorchvisionRetinaNetLayout torchvisionLayout(Path modelFile) {
        return TorchvisionRetinaNetLayout.fromJson(ModelFile.readMetadata(modelFile).modelConfig());
    }

    /**
     * {@code config} with the architecture of a torchvision layout (backbone, FPN, heads, anchors) and
     * {@code config}'s classes, losses and optimiser.
     */
    public static RetinaNetConfig withLayout(RetinaNetConfig config, TorchvisionRetinaNetLayout layout) {
        RetinaNetConfig tv = layout.withNumClasses(config.numClasses()).config().build();
        return config.toBuilder().backbone(tv.backbone()).fpn(tv.fpn()).head(tv.head()).anchors(tv.anchors()).build();
    }

    /**
     * Copies every parameter of the model in {@code modelFile} into {@code graph} except the classification
     * predictor, which keeps its fresh initialisation for the new classes. Both graphs must otherwise have the same
     * parameters with the same shapes.
     *
     * @return the number of parameter arrays copied
     * @throws IllegalArgumentException (one line) naming every parameter missing from the model file, extra in it or
     *                                  of another shape; {@code graph} is then unchanged
     */
    public static int fromModel(ComputationGraph graph, Path modelFile) {
        ComputationGraph source = ModelFile.load(modelFile, false).graph();
        Set<String> fresh = classPredictor(graph);
        Set<String> replaced = classPredictor(source);
        Map<String, INDArray> target = graph.paramTable(false);
        Map<String, INDArray> from = source.paramTable(false);
        List<String> missing = new ArrayList<>();
        List<String> shapes = new ArrayList<>();
        List<String> extra = new ArrayList<>();
        Map<String, INDArray> copies = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : target.entrySet()) {
            if (fresh.contains(e.getKey())) {
                continue;
            }
            INDArray v = from.get(e.getKey());
            if (v == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(v.shape(), e.getValue().shape())) {
                shapes.add(e.getKey() + " " + Arrays.toString(v.shape()) + " in the file vs " + Arrays.toString(e.getValue().shape()));
            } else {
                copies.put(e.getKey(), v);
            }
        }
        for (String k : from.keySet()) {
            if (!target.containsKey(k) && !replaced.contains(k)) {
                extra.add(k);
            }
        }
        if (!missing.isEmpty() || !shapes.isEmpty() || !extra.isEmpty()) {
            List<String> parts = new ArrayList<>();
            if (!shapes.isEmpty()) {
                parts.add("shape mismatches (" + shapes.size() + "): " + shapes);
            }
            if (!missing.isEmpty()) {
                parts.add("parameters missing from it (" + missing.size() + "): " + missing);
            }
            if (!extra.isEmpty()) {
                parts.add("parameters the new model does not have (" + extra.size() + "): " + extra);
            }
            throw new IllegalArgumentException("--init " + modelFile + " does not fit the model to train: " + String.join("; ", parts));
        }
        for (Map.Entry<String, INDArray> e : copies.entrySet()) {
            target.get(e.getKey()).assign(e.getValue());
        }
        return copies.size();
    }

    /** Parameter names of the classification predictor ({@code cls_logits}) of a RetinaNet graph. */
    static Set<String> classPredictor(ComputationGraph graph) {
        if (graph.getConfiguration().getVertices().get(RetinaHead.CLASSIFICATION) instanceof SharedHeadVertex head) {
            return Set.of(RetinaHead.CLASSIFICATION + "_" + head.predictorWeight(),
                    RetinaHead.CLASSIFICATION + "_" + head.predictorBias());
        }
        throw new IllegalArgumentException("the graph has no RetinaNet classification head '" + RetinaHead.CLASSIFICATION + "'");
    }
}
