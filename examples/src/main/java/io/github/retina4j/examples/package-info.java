/**
 * Command line tool, demo, benchmarks and notebook support (docs/DESIGN.md §7, §8).
 * Comments in this module cite the design document as "DESIGN §n": section n of {@code docs/DESIGN.md}.
 */
package io.github.retina4j.examples;
