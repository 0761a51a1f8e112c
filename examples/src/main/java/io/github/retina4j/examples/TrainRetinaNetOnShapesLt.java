package io.github.retina4j.examples;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.coco.ResultsJson;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.inference.ImageDetections;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.retinanet.RetinaNet;
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
import java.util.List;

/**
 * Trains the small RetinaNet (focal loss, smooth L1) on the synthetic long-tailed dataset shapes-lt and evaluates it
 * with the COCO protocol: data → model → fit → evaluate → save. Writes into {@code --out}: {@code shapes-lt/} (the
 * data), {@code run/} (per-iteration log, checkpoints), {@code loss-curve.png}, {@code detections_val.json} (COCO
 * results format), {@code metrics.json} and {@code model.zip}.
 */
public final class TrainRetinaNetOnShapesLt {

    public static void main(String[] args) throws IOException {
        TrainingOptions o = TrainingOptions.parse(TrainRetinaNetOnShapesLt.class, args, "runs/examples/retinanet");

        // 1. data: PNGs with 30 classes of coloured shapes whose training images fall from 150 to 1, COCO + LVIS JSON
        ShapesLtFiles files = o.generateShapesLt();
        CocoDataset train = CocoJsonReader.strict().read(files.trainCoco());
        CocoDataset val = CocoJsonReader.strict().read(files.valCoco());

        // 2. model: mmdetection's RetinaNet recipe on the small CPU backbone, which trains from scratch with Adam
        Recipe recipe = Recipe.retinaNet().forBackbone(Recipe.SMALL_BACKBONE);
        RetinaNetConfig config = recipe.model(train.categoryMapping().size(), SmallBackboneConfig.defaults(), o.batchSize(),
                o.iterations()).seed(o.seed()).build();

        // 3. fit: images resized to --image-size, flipped, shuffled; the Trainer logs every iteration and checkpoints
        TrainingResult result;
        try (TrainingData.CloseableIterator data = TrainingData.iterator(train, files.trainImages(), config,
                recipe.targetEncoder(config, o.seed()), o.batchSize(), o.imageSize(), o.imageSize(), o.seed(), false, 0)) {
            result = new Trainer(RetinaNet.build(config), data, TrainerConfig.of(recipe, o.out().resolve("run"),
                    o.iterations(), o.seed())).train();
        }
        LossCurveChart.write(LossPoint.iterations(result.history()), LossPoint.losses(result.history()),
                "RetinaNet on shapes-lt: training loss", o.out().resolve("loss-curve.png"));

        // 4. evaluate: detect on every validation image as the training scaled them, then pycocotools' COCO protocol
        ModelMetadata metadata = DetectorSetup.metadata(train, config, o.imageSize(), o.imageSize());
        List<DetectionResult> detections;
        try (Detector detector = new Detector(result.graph(), metadata, 1)) {
            detections = ImageDetections.toResults(detector.detectAll(val, files.valImages()));
        }
        ResultsJson.write(o.out().resolve("detections_val.json"), detections);
        EvaluationSummary coco = Evaluation.evaluate(val, detections, Evaluation.Protocol.COCO,
                Runtime.getRuntime().availableProcessors());
        coco.writeJson(o.out().resolve("metrics.json"));
        System.out.println(coco.summaryText());

        // 5. save: the graph with what inference needs (classes, preprocessing, anchors, box coder); see Detector.load
        ModelFile.save(result.graph(), metadata, o.out().resolve("model.zip"), false);
        System.out.println("model: " + o.out().resolve("model.zip"));
    }
}
