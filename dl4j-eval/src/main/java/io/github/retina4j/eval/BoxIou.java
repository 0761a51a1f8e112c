package io.github.retina4j.eval;

/**
 * Box IoU on COCO {@code [x, y, w, h]} boxes exactly as pycocotools' {@code bbIou} (common/maskApi.c)
 * computes it, including the crowd rule: for a crowd ground truth the union is the detection's own
 * area, so a detection inside a crowd region has IoU 1 with it (COCO's "iscrowd" semantics).
 * The operation order follows the C code so that results are bit-identical.
 */
final class BoxIou {

    private BoxIou() {
    }

    /**
     * IoU of detection box {@code d} (at {@code dt[di..di+3]}) with ground-truth box {@code g}.
     *
     * @param crowd true if the ground truth is a crowd region
     */
    static double iou(double[] dt, int di, double[] gt, int gi, boolean crowd) {
        double dx = dt[di];
        double dy = dt[di + 1];
        double dw = dt[di + 2];
        double dh = dt[di + 3];
        double gx = gt[gi];
        double gy = gt[gi + 1];
        double gw = gt[gi + 2];
        double gh = gt[gi + 3];
        double w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
        if (w <= 0) {
            return 0;
        }
        double h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
        if (h <= 0) {
            return 0;
        }
        double inter = w * h;
        double da = dw * dh;
        double union = crowd ? da : da + gw * gh - inter;
        return inter / union;
    }
}
