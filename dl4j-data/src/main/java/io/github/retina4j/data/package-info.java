/** COCO/LVIS annotations, record readers, transforms, samplers, boxes/anchors/targets, synthetic data (SPEC §4). */
package io.github.retina4j.data;
