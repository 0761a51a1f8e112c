/**
 * Example mains in the style of DL4J's examples: each reads top to bottom (data → model → fit → evaluate → save, or
 * load → detect → draw) and uses only the libraries, never the command line tool. The README gives the command that
 * runs each; a test runs each at tiny size.
 * Comments in this module cite the design document as "DESIGN §n": section n of {@code docs/DESIGN.md}.
 */
package io.github.retina4j.examples;
