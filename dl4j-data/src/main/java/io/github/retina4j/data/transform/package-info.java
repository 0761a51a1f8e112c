/** Detection image transforms: keep-ratio resize, horizontal flip, normalisation, size-divisor padding, box clipping, per-image metadata (docs/DESIGN.md §4). */
package io.github.retina4j.data.transform;
