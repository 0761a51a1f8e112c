/** Image samplers per epoch: sequential, shuffled, repeat factor sampling (LVIS) and class-aware sampling (docs/DESIGN.md §4). */
package io.github.retina4j.data.sampling;
