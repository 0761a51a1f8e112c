package io.github.retina4j.models.inference;

import io.github.retina4j.data.transform.KeepRatioResize;

/**
 * The resize of torchvision's detection transform ({@code GeneralizedRCNNTransform}, torchvision 0.14
 * {@code torchvision/models/detection/transform.py}, {@code _resize_image_and_masks}), reproduced operation by
 * operation so that an imported torchvision detector sees the tensor it saw in Python:
 * <pre>
 *   scale = torch.min(self_min_size / min_size, self_max_size / max_size)      # float32 tensors
 *   image = interpolate(image[None], scale_factor=scale.item(), mode="bilinear",
 *                       recompute_scale_factor=True, align_corners=False)[0]
 * </pre>
 * {@code python_float / tensor} is {@code tensor.reciprocal() * python_float} ({@code torch.Tensor.__rtruediv__}),
 * which differs from a float32 division in the last bit for about a quarter of the sizes — enough to decide the
 * floored size (a 310×309 image becomes 802×800 in torchvision, 802×799 with a division) — so the scale is computed
 * that way. {@code interpolate} then takes the size
 * {@code floor(size · scale)} in double ({@code torch.nn.functional.interpolate}, recompute branch) and resamples with
 * the input/output size ratio (ATen {@code area_pixel_compute_scale} / {@code area_pixel_compute_source_index},
 * {@code UpSampleKernel.cpp}: source index {@code ratio·(dst + 0.5) − 0.5} clamped at 0, neighbours
 * {@code ⌊src⌋} and {@code ⌊src⌋ + 1} capped at the last row/column, weights {@code 1 − λ}, {@code λ}). No
 * antialiasing, as in torchvision.
 */
final class TorchvisionResize {

    private TorchvisionResize() {
    }

    /** Output size and per-axis scale factors (new / old) of a {@code w × h} image. */
    static KeepRatioResize.Geometry geometry(int w, int h, int minSize, int maxSize) {
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + w + "x" + h);
        }
        float shortSide = Math.min(w, h);
        float longSide = Math.max(w, h);
        float scale = Math.min((1f / shortSide) * (float) minSize, (1f / longSide) * (float) maxSize);
        int nw = (int) Math.floor((double) w * (double) scale);
        int nh = (int) Math.floor((double) h * (double) scale);
        if (nw < 1 || nh < 1) {
            throw new IllegalArgumentException("image " + w + "x" + h + " would be resized to " + nw + "x" + nh);
        }
        return new KeepRatioResize.Geometry(nw, nh, (double) nw / w, (double) nh / h);
    }

    /**
     * Bilinear resize of a c-order {@code [C, H, W]} float image to {@code [C, outH, outW]} (torch
     * {@code upsample_bilinear2d}, {@code align_corners=False}, scale from the sizes). The size ratio is a float32
     * division as in ATen; source positions, weights and the weighted sum are kept in double and rounded once, which
     * reproduced torch 1.13's CPU output to within one float32 ulp on the sizes tried (exactly at scale 1).
     */
    static float[] bilinear(float[] src, int channels, int h, int w, int outH, int outW) {
        int[] y0 = new int[outH], y1 = new int[outH];
        double[] wy0 = new double[outH], wy1 = new double[outH];
        weights(h, outH, y0, y1, wy0, wy1);
        int[] x0 = new int[outW], x1 = new int[outW];
        double[] wx0 = new double[outW], wx1 = new double[outW];
        weights(w, outW, x0, x1, wx0, wx1);
        float[] out = new float[channels * outH * outW];
        for (int c = 0; c < channels; c++) {
            int plane = c * h * w;
            int outPlane = c * outH * outW;
            for (int y = 0; y < outH; y++) {
                int r0 = plane + y0[y] * w;
                int r1 = plane + y1[y] * w;
                int o = outPlane + y * outW;
                for (int x = 0; x < outW; x++) {
                    double top = src[r0 + x0[x]] * wx0[x] + src[r0 + x1[x]] * wx1[x];
                    double bottom = src[r1 + x0[x]] * wx0[x] + src[r1 + x1[x]] * wx1[x];
                    out[o + x] = (float) (top * wy0[y] + bottom * wy1[y]);
                }
            }
        }
        return out;
    }

    /**
     * Source indices and weights along one axis (ATen {@code compute_source_index_and_lambda}: source
     * {@code ratio·(dst + 0.5) − 0.5} clamped at 0, {@code λ = src − ⌊src⌋} clamped to [0, 1]).
     */
    private static void weights(int in, int out, int[] i0, int[] i1, double[] w0, double[] w1) {
        float ratio = (float) in / (float) out;
        for (int d = 0; d < out; d++) {
            double src = Math.max(ratio * (d + 0.5) - 0.5, 0);
            int lo = (int) src;
            double lambda = Math.min(Math.max(src - lo, 0), 1);
            i0[d] = lo;
            i1[d] = lo + (lo < in - 1 ? 1 : 0);
            w1[d] = lambda;
            w0[d] = 1 - lambda;
        }
    }
}
