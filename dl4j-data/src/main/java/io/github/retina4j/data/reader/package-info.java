/**
 * From annotation file + image root to training batches: a DataVec record reader, the per-image loader and the
 * prefetching {@link io.github.retina4j.data.reader.DetectionBatchIterator} of
 * {@link io.github.retina4j.data.reader.DetectionBatch}es (docs/DESIGN.md §4).
 */
package io.github.retina4j.data.reader;
