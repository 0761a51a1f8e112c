package io.github.retina4j.data.targets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.testsupport.JsonArrays;
import io.github.retina4j.testsupport.ReferenceData;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * The sampler an mmdetection {@code IoUBalancedNegSampler} with these {@code params} is on its n-th call. The
     * current mmdetection sets a negative {@code floor_thr} to 0 inside its first call, before binning: the first call
     * bins from 0 over IoU &gt; floor_thr, every later one treats IoU = 0 negatives as the floor set. The legacy
     * variant keeps {@code floor_thr} as the lower edge of the first bin.
     */
    private static IoUBalancedNegativeSampler samplerFor(JsonNode params) {
        double floorThr = params.get("floor_thr").asDouble();
        String variant = params.get("mmdet_variant").asText();
        if (!variant.equals("current") && !variant.equals("legacy")) {
            throw new AssertionError("unknown mmdet_variant " + variant);
        }
        boolean resets = variant.equals("current") && floorThr < 0;
        double threshold = resets && params.get("previous_calls_on_same_sampler").asInt() > 0 ? 0 : floorThr;
        return new IoUBalancedNegativeSampler(params.get("num_bins").asInt(), threshold,
                params.get("floor_fraction").asDouble(), resets ? 0 : floorThr);
    }

    /** An IoU range as the fixture labels it: {@code "iou == v"}, {@code "a < iou < b"} or {@code "a <= iou < b"}. */
    private static DoublePredicate fineBin(String label) {
        Matcher eq = Pattern.compile("iou == (\\S+)").matcher(label);
        if (eq.matches()) {
            double v = Double.parseDouble(eq.group(1));
            return x -> x == v;
        }
        Matcher range = Pattern.compile("(\\S+) (<|<=) iou < (\\S+)").matcher(label);
        if (!range.matches()) {
            throw new AssertionError("unreadable fine bin \"" + label + "\"");
        }
        double lo = Double.parseDouble(range.group(1));
        double hi = Double.parseDouble(range.group(3));
        boolean inclusive = range.group(2).equals("<=");
        return x -> (inclusive ? x >= lo : x > lo) && x < hi;
    }

    /** The presets are mmdetection's Libra configuration on the first call, on later calls, and the legacy bins. */
    @Test
    void presetsAreTheMmdetectionConfigurations() {
        ObjectNode p = JsonNodeFactory.instance.objectNode().put("floor_thr", -1).put("floor_fraction", 0)
                .put("num_bins", IoUBalancedNegativeSampler.LIBRA_NUM_BINS).put("mmdet_variant", "current")
                .put("previous_calls_on_same_sampler", 0);
        assertEquals(IoUBalancedNegativeSampler.libra(), samplerFor(p));
        assertEquals(IoUBalancedNegativeSampler.mmdetectionSteadyState(), samplerFor(p.put("previous_calls_on_same_sampler", 3)));
        assertEquals(IoUBalancedNegativeSampler.legacyBinsFromMinusOne(), samplerFor(p.put("mmdet_variant", "legacy")));
    }

    @Test
    void binCountsMatchMmdetectionDistributionForAllCases() {
        JsonNode ref = ReferenceData.json("iou_balanced_sampling.json");
        double[] iou = JsonArrays.doubles(ref.get("candidates").get("max_overlaps"));
        int[] gtInds = JsonArrays.ints(ref.get("candidates").get("gt_inds"));
        JsonNode fineLabels = ref.get("fine_bins");
        DoublePredicate[] fine = new DoublePredicate[fineLabels.size()];
        for (int b = 0; b < fine.length; b++) {
            fine[b] = fineBin(fineLabels.get(b).asText());
        }
        int[] matched = new int[iou.length];
        int numGt = 0;
        for (int i = 0; i < iou.length; i++) {
            matched[i] = gtInds[i] > 0 ? gtInds[i] - 1 : Assignment.BACKGROUND;
            numGt = Math.max(numGt, gtInds[i]);
        }
        Assignment asg = Assignment.of(matched, iou, numGt);
        int[] negatives = asg.negativeIndices();
        assertTrue(ref.get("cases").size() > 0, "no cases");
        for (JsonNode c : ref.get("cases")) {
            String name = c.get("name").asText();
            IoUBalancedNegativeSampler sampler = samplerFor(c.get("params"));
            assertEquals(c.get("mmdet_bins").size(), sampler.numBins(), name);
            assertEquals(c.get("mmdet_bins").get(0).get("lo_inclusive").asDouble(), sampler.binLowerBound(), name);
            int numExpected = c.get("params").get("num_expected").asInt();
            int[] binOf = JsonArrays.ints(c.get("mmdet_bin_of_candidate"));
            JsonNode mc = c.get("monte_carlo");
            int nm = c.get("expected_count_per_mmdet_bin").size();
            double[][] sums = {new double[nm], new double[fine.length]};
            double[] inclusion = new double[iou.length];
            Random rng = new Random(20240601L);
            for (int t = 0; t < TRIALS; t++) {
                int[] s = sampler.sampleNegatives(negatives, asg, numExpected, rng);
                assertEquals(numExpected, s.length, name);
                int[][] counts = {new int[nm], new int[fine.length]};
                boolean[] seen = new boolean[iou.length];
                for (int a : s) {
                    assertTrue(!seen[a] && matched[a] == Assignment.BACKGROUND, name + ": bad or repeated index " + a);
                    seen[a] = true;
                    inclusion[a]++;
                    counts[0][binOf[a]]++;
                    for (int b = 0; b < fine.length; b++) {
                        counts[1][b] += fine[b].test(iou[a]) ? 1 : 0;
                    }
                }
                String[] kinds = {"mmdet_bin", "fine_bin"};
                for (int k = 0; k < 2; k++) {
                    double[] available = JsonArrays.doubles(c.get("num_negatives_per_" + kinds[k]));
                    for (int b = 0; b < counts[k].length; b++) {
                        sums[k][b] += counts[k][b];
                        assertTrue(counts[k][b] <= available[b],
                                name + " " + kinds[k] + " " + b + ": count " + counts[k][b] + " > available " + available[b]);
                    }
                }
            }
            String[] kinds = {"mmdet_bin", "fine_bin"};
            for (int k = 0; k < 2; k++) {
                double[] expected = JsonArrays.doubles(c.get("expected_count_per_" + kinds[k]));
                double[] std = JsonArrays.doubles(mc.get("std_count_per_" + kinds[k]));
                double[] min = JsonArrays.doubles(mc.get("min_count_per_" + kinds[k]));
                double[] max = JsonArrays.doubles(mc.get("max_count_per_" + kinds[k]));
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
            double[] p = JsonArrays.doubles(c.get("inclusion_probability"));
            for (int i = 0; i < p.length; i++) {
                assertEquals(p[i], inclusion[i] / TRIALS, 5 * Math.sqrt(p[i] * (1 - p[i]) / TRIALS) + 1e-12, name + " candidate " + i);
            }
        }
    }
}
