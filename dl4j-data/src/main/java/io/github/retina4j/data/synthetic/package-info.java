/** The deterministic synthetic long-tailed detection dataset {@code shapes-lt} (docs/DESIGN.md §4). */
package io.github.retina4j.data.synthetic;
