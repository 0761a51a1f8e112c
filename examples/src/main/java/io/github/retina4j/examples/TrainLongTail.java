package io.github.retina4j.examples;

import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.sampling.RepeatFactorSampler;
import io.github.retina4j.data.stats.CategoryStatistics;
import io.github.retina4j.data.synthetic.ShapesLtFiles;
import io.github.retina4j.eval.Evaluation;
import io.github.retina4j.eval.EvaluationSummary;
import io.github.retina4j.losses.EqualizedFocalLoss;
import io.github.retina4j.models.backbone.SmallBackboneConfig;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.inference.ImageDetections;
import io.github.retina4j.models.io.ModelFile;
import io.github.retina4j.models.io.ModelMetadata;
import io.github.retina4j.models.io.PostProcessConfig;
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

/**
 * Long-tailed detection on shapes-lt's LVIS-format annotations: the equalized focal loss (Li et al. 2022, "Equalized
 * Focal Loss for Dense Long-Tailed Object Detection") instead of the focal loss, repeat factor sampling (Gupta et al.
 * 2019, "LVIS", §4.2) instead of a plain shuffle, and the LVIS protocol's AP on rare, common and frequent classes.
 * Writes into {@code --out}: {@code shapes-lt/}, {@code run/}, {@code loss-curve.png}, {@code model.zip} and
 * {@code metrics.json} (LVIS results).
 */
public final class TrainLongTail {

    /**
     * LVIS' threshold t = 0.001 on its ~100k training images repeats every class seen in fewer than 100 images (the
     * rare and common groups); on shapes-lt the same class counts need t = 100 / training images.
     */
    private static final double REPEATED_BELOW_IMAGES = 100;

    public static void main(String[] args) throws IOException {
        TrainingOptions o = TrainingOptions.parse(TrainLongTail.class, args, "runs/examples/long-tail");

        // 1. data: shapes-lt with its LVIS annotations (frequency groups from the training image counts, federated
        // negative and not-exhaustive labels per image)
        ShapesLtFiles files = o.generateShapesLt();
        CocoDataset train = CocoJsonReader.strict().read(files.trainLvis());
        double threshold = Math.min(1, REPEATED_BELOW_IMAGES / train.images().size());
        System.out.println("classes per frequency group: " + CategoryStatistics.of(train, threshold).groupSizes()
                + "; repeat factor sampling turns an epoch of " + train.images().size() + " images into "
                + Math.round(RepeatFactorSampler.of(train, threshold, o.seed()).expectedEpochSize()));

        // 2. model: the small RetinaNet recipe with the equalized focal loss, whose focusing grows for the classes whose
        // positive gradients are outweighed by their negative ones (the rare ones)
        int numClasses = train.categoryMapping().size();
        Recipe recipe = Recipe.retinaNet().forBackbone(Recipe.SMALL_BACKBONE);
        RetinaNetConfig config = recipe.model(numClasses, SmallBackboneConfig.defaults(), o.batchSize(), o.iterations())
                .classLoss(new EqualizedFocalLoss(numClasses)).seed(o.seed()).build();

        // 3. fit, each image repeated max(1, sqrt(t / f)) times per epoch, f the image frequency of its rarest class
        TrainingResult result;
        try (TrainingData.CloseableIterator repeated = TrainingData.iterator(train, files.trainImages(), config,
                recipe.targetEncoder(config, o.seed()), o.batchSize(), o.imageSize(), o.imageSize(), o.seed(), true, threshold)) {
            result = new Trainer(RetinaNet.build(config), repeated,
                    TrainerConfig.of(recipe, o.out().resolve("run"), o.iterations(), o.seed())).train();
        }
        // LVIS post-processing: score threshold 0.0001 and 300 detections per image
        ModelMetadata metadata = DetectorSetup.metadata(train, config, o.imageSize(), o.imageSize())
                .withPostprocessing(PostProcessConfig.lvis());
        ModelFile.save(result.graph(), metadata, o.out().resolve("model.zip"), false);
        LossCurveChart.write(LossPoint.iterations(result.history()), LossPoint.losses(result.history()),
                "EFL + repeat factor sampling on shapes-lt: training loss", o.out().resolve("loss-curve.png"));

        // 4. evaluate with lvis-api's rules: AP over all classes and per frequency group (APr, APc, APf)
        CocoDataset val = CocoJsonReader.strict().read(files.valLvis());
        EvaluationSummary lvis;
        try (Detector detector = new Detector(result.graph(), metadata, 1)) {
            lvis = Evaluation.evaluate(val, ImageDetections.toResults(detector.detectAll(val, files.valImages())),
                    Evaluation.Protocol.LVIS, Runtime.getRuntime().availableProcessors());
        }
        lvis.writeJson(o.out().resolve("metrics.json"));
        System.out.println(lvis.summaryText());
    }
}
