/**
 * Backbones, FPN, heads, RetinaNet / Libra RetinaNet graphs, inference, model IO (docs/DESIGN.md §6); the DL4J
 * work-arounds (docs/DESIGN.md §10) in {@code io.github.retina4j.models.dl4j}. Comments in this module cite the
 * design document as "DESIGN §n": section n of {@code docs/DESIGN.md}.
 */
package io.github.retina4j.models;
