/**
 * Box geometry (docs/DESIGN.md §2, §4, §6): boxes are {@code (x1, y1, x2, y2)} in absolute network-input pixels, width = x2 − x1.
 *
 * <ul>
 *   <li>{@link io.github.retina4j.data.boxes.Boxes}: IoU {@code [G, A]}, IoF, area, clip, xywh ↔ xyxy, horizontal flip,
 *       rescale.</li>
 *   <li>{@link io.github.retina4j.data.boxes.BoxCoder}: (dx, dy, dw, dh) encode/decode with means/stds and the dw/dh clamp
 *       ({@link io.github.retina4j.data.boxes.DeltaClamp}: torchvision clamps only from above, mmdetection both sides).</li>
 *   <li>{@link io.github.retina4j.data.boxes.BatchedNms} with {@link io.github.retina4j.data.boxes.NmsConfig}: class-aware
 *       greedy NMS (suppress when IoU &gt; threshold), score threshold, pre-NMS top-k, max detections; keep indices in
 *       decreasing score order.</li>
 * </ul>
 */
package io.github.retina4j.data.boxes;
