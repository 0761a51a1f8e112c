package io.github.retina4j.data.transform;

import java.util.Arrays;

/**
 * Clips boxes to the valid image area [0, W] × [0, H] and drops those that are NaN/infinite or have
 * zero area after clipping (DESIGN §4), returning what is kept and how many were dropped for each reason.
 */
public final class BoxSanitizer {
    private BoxSanitizer() {
    }

    /** Kept boxes (packed), the index into the input of each kept box, and drop counts. */
    public record Result(float[] boxes, int[] keptIndices, int droppedNaN, int droppedEmpty) {
        public int count() {
            return keptIndices.length;
        }
    }

    public static Result clipAndFilter(float[] boxes, int width, int height) {
        int n = boxes.length / 4;
        float[] out = new float[boxes.length];
        int[] kept = new int[n];
        int k = 0;
        int nan = 0;
        int empty = 0;
        for (int i = 0; i < n; i++) {
            float x1 = boxes[4 * i], y1 = boxes[4 * i + 1], x2 = boxes[4 * i + 2], y2 = boxes[4 * i + 3];
            if (!Float.isFinite(x1) || !Float.isFinite(y1) || !Float.isFinite(x2) || !Float.isFinite(y2)) {
                nan++;
                continue;
            }
            x1 = clamp(x1, width);
            x2 = clamp(x2, width);
            y1 = clamp(y1, height);
            y2 = clamp(y2, height);
            if (!(x2 > x1 && y2 > y1)) {
                empty++;
                continue;
            }
            out[4 * k] = x1;
            out[4 * k + 1] = y1;
            out[4 * k + 2] = x2;
            out[4 * k + 3] = y2;
            kept[k++] = i;
        }
        return new Result(Arrays.copyOf(out, 4 * k), Arrays.copyOf(kept, k), nan, empty);
    }

    private static float clamp(float v, int max) {
        return Math.max(0f, Math.min(max, v));
    }
}
