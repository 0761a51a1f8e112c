/**
 * RetinaNet anchors (docs/DESIGN.md §4). {@link io.github.retina4j.data.anchors.AnchorGenerator#anchors(int, int)} gives
 * {@code [A, 4]} for a padded input, ordered (level P3..P7, y, x, cell anchor) — the order of the dense head outputs
 * {@code [N, C, A]}. The {@link io.github.retina4j.data.anchors.AnchorConfig} chooses the arithmetic
 * ({@link io.github.retina4j.data.anchors.AnchorConvention#UNROUNDED} = mmdetection formula,
 * {@link io.github.retina4j.data.anchors.AnchorConvention#TORCHVISION} = torchvision's truncated/rounded anchors and
 * floor strides, required for imported torchvision weights) and the cell-anchor order
 * ({@link io.github.retina4j.data.anchors.CellAnchorOrder#RATIO_MAJOR}, torchvision's and mmdetection's: index =
 * ratio·3 + scale). Both presets use ratio-major order.
 */
package io.github.retina4j.data.anchors;
