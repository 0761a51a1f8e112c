/**
 * COCO instances and LVIS v0.5/v1 annotation model ({@link io.github.retina4j.coco.CocoDataset}),
 * streaming JSON IO ({@link io.github.retina4j.coco.CocoJsonReader},
 * {@link io.github.retina4j.coco.CocoJsonWriter}), category id ↔ class index mapping and the
 * fail / skip-and-count policy for bad records (docs/DESIGN.md §4, §9).
 */
package io.github.retina4j.coco;
