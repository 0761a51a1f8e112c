/** Command line tool, demo, benchmarks and notebook support (SPEC §7). */
package io.github.retina4j.examples;
