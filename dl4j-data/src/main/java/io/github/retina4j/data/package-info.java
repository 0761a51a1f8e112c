/**
 * COCO/LVIS annotations, record readers, transforms, samplers, boxes/anchors/targets, synthetic data (docs/DESIGN.md §4).
 * Comments in this module cite the design document as "DESIGN §n": section n of {@code docs/DESIGN.md}.
 */
package io.github.retina4j.data;
