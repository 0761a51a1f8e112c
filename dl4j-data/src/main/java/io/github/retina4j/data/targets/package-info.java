/**
 * Anchor assignment and dense training targets (docs/DESIGN.md §3–§4).
 *
 * <p>Entry point for training: {@link io.github.retina4j.data.targets.TargetEncoder#encode(java.util.List, int, int)} —
 * per image a {@link io.github.retina4j.data.targets.GroundTruth} (boxes {@code [G, 4]}, contiguous classes {@code [G]},
 * crowd/ignore boxes {@code [K, 4]}) and the padded size → {@link io.github.retina4j.data.targets.DenseTargets}: class
 * targets {@code [N, C, A]} one-hot, box targets {@code [N, 4, A]}, class mask {@code [N, A]} (0 = ignored), box mask
 * {@code [N, A]} (1 = positive), float32. Assignment: {@link io.github.retina4j.data.targets.MaxIoUAssigner} →
 * {@link io.github.retina4j.data.targets.Assignment} (per anchor: gt index, −1 background, −2 ignored). Sampled baselines:
 * {@link io.github.retina4j.data.targets.CombinedSampler} with {@link io.github.retina4j.data.targets.RandomSampler},
 * {@link io.github.retina4j.data.targets.InstanceBalancedPositiveSampler},
 * {@link io.github.retina4j.data.targets.IoUBalancedNegativeSampler}; {@link io.github.retina4j.data.targets.OhemSelector}
 * for hard-example mining by a per-anchor loss.
 */
package io.github.retina4j.data.targets;
