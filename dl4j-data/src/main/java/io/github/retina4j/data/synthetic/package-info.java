/** The deterministic synthetic long-tailed detection dataset {@code shapes-lt} (SPEC §4). */
package io.github.retina4j.data.synthetic;
