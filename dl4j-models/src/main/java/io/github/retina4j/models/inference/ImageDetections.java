package io.github.retina4j.models.inference;

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
}
