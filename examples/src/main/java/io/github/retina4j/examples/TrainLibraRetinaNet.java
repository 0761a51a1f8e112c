package io.github.retina4j.examples;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.data.targets.CombinedSampler;
import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.inference.ImageDetections;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.retinanet.LibraRetinaNet;
import io.github.retina4j.models.retinanet.RetinaNetConfig;
import io.github.retina4j.report.LossCurveChart;
import io.github.retina4j.train.DetectorSetup;
import io.github.retina4j.train.LossPoint;
import io.github.retina4j.train.Recipe;
import io.github.retina4j.train.Trainer;
import io.github.retina4j.train.TrainerConfig;
import io.github.retina4j.train.TrainingData;
import io.github.retina4j.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Trains Libra RetinaNet (Pang et al. 2019, "Libra R-CNN: Towards Balanced Learning for Object Detection") on
 * shapes-lt: RetinaNet with the three balancing parts of the paper, the balanced feature pyramid (§3.2), balanced L1
 * loss (§3.3) and IoU-balanced sampling (§3.1), then evaluates COCO AP. Writes into {@code --out}: {@code shapes-lt/},
 * {@code run/}, {@code model.zip}, {@code loss-curve.png} and {@code metrics.json}.
 */
public final class TrainLibraRetinaNet {

    /**
     * Anchors sampled per image, at most a quarter of them positive: the R-CNN sampler of mmdetection's Libra R-CNN
     * config ({@code num=512, pos_fraction=0.25}).
     */
    private static final int SAMPLED_ANCHORS = 512;

    public static void main(String[] args) throws IOException {
        TrainingOptions o = TrainingOptions.parse(TrainLibraRetinaNet.class, args, "runs/examples/libra");

        // 1. data: shapes-lt, as TrainRetinaNetOnShapesLt generates it
        ShapesLtFiles files = o.generateShapesLt();
        CocoDataset train = CocoJsonReader.strict().read(files.trainCoco());

        // 2. model: mmdetection's Libra RetinaNet recipe (balanced feature pyramid after the FPN, balanced L1 for the
        // boxes, gradients clipped at a global L2 norm of 35) on the small backbone. mmdetection's one-stage Libra uses
        // every anchor; IoU-balanced sampling, from the two-stage Libra R-CNN, is added here: each image trains on 512
        // anchors, positives spread over its objects and negatives drawn evenly from 3 IoU bins, so that the hard
        // negatives near objects are not outnumbered by easy background.
        Recipe recipe = Recipe.libraRetinaNet().forBackbone(Recipe.SMALL_BACKBONE)
                .withSampler(CombinedSampler.libra(SAMPLED_ANCHORS, CombinedSampler.DEFAULT_POSITIVE_FRACTION));
        RetinaNetConfig config = recipe.model(train.categoryMapping().size(), SmallBackboneConfig.defaults(), o.batchSize(),
                o.iterations()).seed(o.seed()).build();

        // 3. fit, then save the model with its metadata
        Path run = o.out().resolve("run");
        TrainingResult result;
        try (TrainingData.CloseableIterator sampled = TrainingData.iterator(train, files.trainImages(), config,
                recipe.targetEncoder(config, o.seed()), o.batchSize(), o.imageSize(), o.imageSize(), o.seed(), false, 0)) {
            result = new Trainer(LibraRetinaNet.build(config), sampled, TrainerConfig.of(recipe, run, o.iterations(), o.seed()))
                    .train();
        }
        Path model = o.out().resolve("model.zip");
        ModelFile.save(result.graph(), DetectorSetup.metadata(train, config, o.imageSize(), o.imageSize()), model, false);
        LossCurveChart.write(LossPoint.iterations(result.history()), LossPoint.losses(result.history()),
                "Libra RetinaNet on shapes-lt: training loss", o.out().resolve("loss-curve.png"));

        // 4. evaluate the saved model: balanced L1 aims at better localisation, which shows in AP75 more than in AP50
        CocoDataset val = CocoJsonReader.strict().read(files.valCoco());
        EvaluationSummary coco;
        try (Detector detector = Detector.load(model, 1)) {
            coco = Evaluation.evaluate(val, ImageDetections.toResults(detector.detectAll(val, files.valImages())),
                    Evaluation.Protocol.COCO, Runtime.getRuntime().availableProcessors());
        }
        coco.writeJson(o.out().resolve("metrics.json"));
        Map<String, Double> ap = coco.headline();
        System.out.printf("Libra RetinaNet, shapes-lt val: AP %.3f  AP50 %.3f  AP75 %.3f%n", ap.get("AP"), ap.get("AP50"),
                ap.get("AP75"));
    }
}
