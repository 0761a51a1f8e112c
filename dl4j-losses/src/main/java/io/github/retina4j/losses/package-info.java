/** Detection losses (SPEC §3) as ND4J ILossFunction implementations. */
package io.github.retina4j.losses;
