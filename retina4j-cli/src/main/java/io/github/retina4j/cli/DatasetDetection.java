package io.github.retina4j.cli;

import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.ImageInfo;
import io.github.retina4j.coco.DetectionResult;
import io.github.retina4j.models.inference.Detection;
import io.github.retina4j.models.inference.Detector;
import io.github.retina4j.models.inference.ImageDetections;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Runs a detector over every image of a dataset (shared by eval --model and demo). */
public final class DatasetDetection {

    private DatasetDetection() {
    }

    /** Detections per image id, in dataset order. */
    public record Output(Map<Long, ImageDetections> perImage, List<DetectionResult> results) {
    }

    public static Output run(Detector detector, CocoDataset dataset, Path imageRoot, boolean progressBar) {
        CategoryMapping model = detector.metadata().categories();
        CategoryMapping data = dataset.categoryMapping();
        if (!model.equals(data)) {
            throw new IllegalArgumentException("the model was trained on another class list (" + model.size()
                    + " classes) than the dataset has (" + data.size() + " classes): " + model + " vs " + data);
        }
        Map<Long, ImageDetections> perImage = new LinkedHashMap<>();
        List<DetectionResult> results = new ArrayList<>();
        ProgressBar bar = progressBar ? new ProgressBarBuilder().setTaskName("detect").setInitialMax(dataset.images().size())
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).build() : null;
        try {
            for (ImageInfo info : dataset.images()) {
                Path file = imageRoot.resolve(info.resolvedFileName());
                BufferedImage image;
                try {
                    image = ImageIO.read(file.toFile());
                } catch (IOException e) {
                    throw new IllegalArgumentException("image " + info.id() + ": cannot read " + file + ": " + e.getMessage(), e);
                }
                if (image == null) {
                    throw new IllegalArgumentException("image " + info.id() + ": cannot decode " + file);
                }
                ImageDetections d = detector.detect(image);
                perImage.put(info.id(), d);
                for (Detection x : d.detections()) {
                    results.add(DetectionResult.fromCorners(info.id(), x.categoryId(), x.x1(), x.y1(), x.x2(), x.y2(), x.score()));
                }
                if (bar != null) bar.step();
            }
        } finally {
            if (bar != null) bar.close();
        }
        return new Output(perImage, results);
    }
}
