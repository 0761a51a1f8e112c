/** COCO and LVIS bbox evaluation (SPEC §5). */
package io.github.retina4j.eval;
