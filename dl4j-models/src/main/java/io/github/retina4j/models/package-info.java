/** Backbones, FPN, heads, RetinaNet / Libra RetinaNet graphs, inference, model IO (SPEC §6). */
package io.github.retina4j.models;
