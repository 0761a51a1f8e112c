package io.github.retina4j.data.targets;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.data.boxes.BoxesReference;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Statistical test against {@code iou_balanced_sampling.json} (README "Suggested test"): T seeded runs per case, per bin
 * z = (mean − expected) / (std_MC / √T) with |z| &lt; 4, deterministic bins (std 0) exact. Every single draw must be
 * feasible (0 ≤ count ≤ negatives in the bin) and the mean count must lie within the Monte-Carlo min..max. The per-draw
 * min..max of 20 000 Monte-Carlo runs is not used as a hard bound per draw: T = 2000 independent draws exceed one of
 * those extremes with probability ≈ 2·T/20 000 per bin, so such a check would fail for honest samplers.
 */
class IoUBalancedNegativeSamplerTest {

    private static final int TRIALS = 2000;
    private static final double[][] FINE_BINS = {{0, 0}, {0, 0.1}, {0.1, 0.2}, {0.2, 0.3}, {0.3, 0.4}, {0.4, 0.5}};

    private static IoUBalancedNegativeSampler samplerFor(JsonNode c) {
        return switch (c.get("name").asText()) {
            case "libra_config_first_call" -> IoUBalancedNegativeSampler.libra();
            case "libra_config_later_calls" -> IoUBalancedNegativeSampler.mmdetectionSteadyState();
            case "legacy_bins_from_minus_one" -> IoUBalancedNegativeSampler.legacyBinsFromMinusOne();
            default -> throw new AssertionError("unknown case " + c.get("name"));
        };
    }

    private static int fineBin(double v) {
        if (v == 0) {
            return 0;
        }
        for (int b = 1; b < FINE_BINS.length; b++) {
            if (v >= FINE_BINS[b][0] && v < FINE_BINS[b][1]) {
                return b;
            }
        }
        return -1;
    }

    @Test
    void binCountsMatchMmdetectionDistributionForAllCases() {
        JsonNode ref = BoxesReference.json("iou_balanced_sampling.json");
        double[] iou = BoxesReference.vector(ref.get("candidates").get("max_overlaps"));
        int[] gtInds = BoxesReference.intVector(ref.get("candidates").get("gt_inds"));
        int[] matched = new int[iou.length];
        int numGt = 0;
        for (int i = 0; i < iou.length; i++) {
            matched[i] = gtInds[i] > 0 ? gtInds[i] - 1 : Assignment.BACKGROUND;
            numGt = Math.max(numGt, gtInds[i]);
        }
        Assignment asg = Assignment.of(matched, iou, numGt);
        int[] negatives = asg.negativeIndices();
        assertEquals(3, ref.get("cases").size());
        for (JsonNode c : ref.get("cases")) {
            String name = c.get("name").asText();
            IoUBalancedNegativeSampler sampler = samplerFor(c);
            assertEquals(c.get("params").get("num_bins").asInt(), sampler.numBins());
            int numExpected = c.get("params").get("num_expected").asInt();
            int[] binOf = BoxesReference.intVector(c.get("mmdet_bin_of_candidate"));
            JsonNode mc = c.get("monte_carlo");
            int nm = c.get("expected_count_per_mmdet_bin").size();
            double[][] sums = {new double[nm], new double[FINE_BINS.length]};
            double[] inclusion = new double[iou.length];
            Random rng = new Random(20240601L);
            for (int t = 0; t < TRIALS; t++) {
                int[] s = sampler.sampleNegatives(negatives, asg, numExpected, rng);
                assertEquals(numExpected, s.length, name);
                int[][] counts = {new int[nm], new int[FINE_BINS.length]};
                boolean[] seen = new boolean[iou.length];
                for (int a : s) {
                    assertTrue(!seen[a] && matched[a] == Assignment.BACKGROUND, name + ": bad or repeated index " + a);
                    seen[a] = true;
                    inclusion[a]++;
                    counts[0][binOf[a]]++;
                    counts[1][fineBin(iou[a])]++;
                }
                String[] kinds = {"mmdet_bin", "fine_bin"};
                for (int k = 0; k < 2; k++) {
                    double[] available = BoxesReference.vector(c.get("num_negatives_per_" + kinds[k]));
                    for (int b = 0; b < counts[k].length; b++) {
                        sums[k][b] += counts[k][b];
                        assertTrue(counts[k][b] <= available[b],
                                name + " " + kinds[k] + " " + b + ": count " + counts[k][b] + " > available " + available[b]);
                    }
                }
            }
            String[] kinds = {"mmdet_bin", "fine_bin"};
            for (int k = 0; k < 2; k++) {
                double[] expected = BoxesReference.vector(c.get("expected_count_per_" + kinds[k]));
                double[] std = BoxesReference.vector(mc.get("std_count_per_" + kinds[k]));
                double[] min = BoxesReference.vector(mc.get("min_count_per_" + kinds[k]));
                double[] max = BoxesReference.vector(mc.get("max_count_per_" + kinds[k]));
                for (int b = 0; b < expected.length; b++) {
                    double mean = sums[k][b] / TRIALS;
                    assertTrue(mean >= min[b] && mean <= max[b], name + " " + kinds[k] + " " + b + ": mean outside MC range");
                    if (std[b] == 0) {
                        assertEquals(expected[b], mean, 1e-12, name + " deterministic " + kinds[k] + " " + b);
                    } else {
                        double z = (mean - expected[b]) / (std[b] / Math.sqrt(TRIALS));
                        assertTrue(Math.abs(z) < 4, name + " " + kinds[k] + " " + b + ": z = " + z);
                    }
                }
            }
            // Per-candidate inclusion frequency vs the exact probability (binomial sd ≤ 0.5/√T ≈ 0.011; allow 5 sd).
            double[] p = BoxesReference.vector(c.get("inclusion_probability"));
            for (int i = 0; i < p.length; i++) {
                assertEquals(p[i], inclusion[i] / TRIALS, 5 * Math.sqrt(p[i] * (1 - p[i]) / TRIALS) + 1e-12, name + " candidate " + i);
            }
        }
    }
}
