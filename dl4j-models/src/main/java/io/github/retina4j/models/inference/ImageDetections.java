package io.github.retina4j.models.inference;

import io.github.retina4j.models.io.PostProcessConfig;

import io.github.retina4j.data.transform.ImageMeta;
import io.github.retina4j.coco.DetectionResult;

import java.util.ArrayList;
import java.util.List;

/**
 * The detections of one image, sorted by decreasing score (immutable).
 *
 * @param meta       how the image was fed to the network (holds the image id and original size)
 * @param detections at most {@link PostProcessConfig#maxDetectionsPerImage()} detections
 */
public record ImageDetections(ImageMeta meta, List<Detection> detections) {

    public ImageDetections {
        detections = List.copyOf(detections);
    }

    public long imageId() {
        return meta.imageId();
    }

    public int size() {
        return detections.size();
    }

    /** The detections as results records for the evaluators / results JSON (dataset ids, COCO [x, y, w, h]). */
    public List<DetectionResult> toResults() {
        List<DetectionResult> out = new ArrayList<>(detections.size());
        for (Detection d : detections) {
            out.add(DetectionResult.fromCorners(meta.imageId(), d.categoryId(), d.x1(), d.y1(), d.x2(), d.y2(), d.score()));
        }
        return out;
    }

    /** All detections of several images as results records, in order. */
    public static List<DetectionResult> toResults(List<ImageDetections> images) {
        List<DetectionResult> out = new ArrayList<>();
        for (ImageDetections img : images) {
            out.addAll(img.toResults());
        }
        return out;
    }
}
