package io.github.retina4j.data.boxes;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.JsonArrays;
import io.github.retina4j.testsupport.Npy;
import io.github.retina4j.testsupport.ReferenceData;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The torchvision anchors/matching/coding/NMS fixture {@value #FILE} (reference/README.md, "anchors/"). Sizes and
 * file names come from the JSON itself: the main image's {@code main_image_hw}, the anchor set of that size, and the
 * {@code file} entries of {@code anchor_sets[]}, {@code iou} and {@code matcher}; so a set regenerated at another
 * image size with other file names is read unchanged.
 */
public final class AnchorsFixture {

    /** The fixture's description, relative to the reference folder. */
    public static final String FILE = "anchors/anchors_targets.json";

    private final JsonNode json;

    private AnchorsFixture(JsonNode json) {
        this.json = json;
    }

    public static AnchorsFixture load() {
        return new AnchorsFixture(ReferenceData.json(FILE));
    }

    /** The whole JSON description. */
    public JsonNode json() {
        return json;
    }

    /** A section of the description ({@code "encode"}, {@code "matcher"}, ...). */
    public JsonNode get(String section) {
        JsonNode n = json.get(section);
        if (n == null) {
            fail(FILE + ": no \"" + section + "\"");
        }
        return n;
    }

    /** Height of the main image ({@code main_image_hw[0]}). */
    public int height() {
        return get("main_image_hw").get(0).asInt();
    }

    /** Width of the main image ({@code main_image_hw[1]}). */
    public int width() {
        return get("main_image_hw").get(1).asInt();
    }

    /** The entry of {@code anchor_sets[]} whose {@code image_hw} is the main image's size. */
    public JsonNode mainAnchorSet() {
        for (JsonNode set : get("anchor_sets")) {
            if (set.get("image_hw").get(0).asInt() == height() && set.get("image_hw").get(1).asInt() == width()) {
                return set;
            }
        }
        return fail(FILE + ": no anchor set of the main image size " + height() + "x" + width());
    }

    /** The main image's torchvision anchors {@code [A, 4]}. */
    public INDArray mainAnchors() {
        return ReferenceData.npy(mainAnchorSet().get("file").asText()).array();
    }

    /** The main image's torchvision anchors, flat (x1, y1, x2, y2 per anchor). */
    public double[] mainAnchorCoordinates() {
        return ReferenceData.npy(mainAnchorSet().get("file").asText()).data();
    }

    /** The main image's gt boxes, flat. */
    public double[] gtCoordinates() {
        return JsonArrays.flatten(get("gt_boxes"));
    }

    /** The main image's gt boxes {@code [G, 4]} (also for G = 0). */
    public INDArray gtBoxes() {
        double[] flat = gtCoordinates();
        return Nd4j.create(flat, new long[] {flat.length / 4, 4}, 'c').castTo(DataType.DOUBLE);
    }

    /** The matcher code of every anchor of the main image (file {@code matcher.file}). */
    public int[] matchedCodes() {
        return ReferenceData.npy(get("matcher").get("file").asText()).ints();
    }

    /** Rows (anchor index, IoU with gt 0 … G−1) of {@code iou.file}. */
    public Npy iouSubset() {
        return ReferenceData.npy(get("iou").get("file").asText());
    }

    /** The rows of {@code anchors} with the given indices, as a {@code [n, 4]} double array. */
    public static INDArray rows(INDArray anchors, int[] indices) {
        double[][] m = new double[indices.length][];
        for (int i = 0; i < indices.length; i++) {
            m[i] = anchors.getRow(indices[i]).toDoubleVector();
        }
        return indices.length == 0 ? Nd4j.create(DataType.DOUBLE, 0, 4) : Nd4j.createFromArray(m);
    }
}
