/** Per-category dataset statistics: image/instance counts, rare/common/frequent groups, f_j, repeat factors, long-tail report and chart (docs/DESIGN.md §4). */
package io.github.retina4j.data.stats;
