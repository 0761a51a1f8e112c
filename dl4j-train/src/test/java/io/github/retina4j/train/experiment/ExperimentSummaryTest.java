package io.github.retina4j.train.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExperimentSummaryTest {

    private static RunRecord run(String method, long seed, double ap, double apr) {
        Map<String, Double> coco = new LinkedHashMap<>(Map.of("AP", ap, "AP50", ap, "AP75", ap));
        Map<String, Double> lvis = new LinkedHashMap<>(Map.of("AP", ap, "APr", apr, "APc", ap, "APf", ap));
        return new RunRecord(method, seed, 10, 100 + seed, 1, 0.5, method, coco, lvis);
    }

    @Test
    void meanSampleSdAndWelchStandardErrorOfTheDifference() {
        List<RunRecord> runs = List.of(
                run("focal", 1, 0.30, 0.10), run("focal", 2, 0.32, 0.12), run("focal", 3, 0.34, -1),
                run("efl", 1, 0.40, 0.20), run("efl", 2, 0.41, 0.22), run("efl", 3, 0.42, 0.24),
                run("gone", 1, 0.1, 0.1));
        ExperimentSummary s = ExperimentSummary.of(runs, List.of("focal", "efl", "libra"), "focal", List.of());
        ExperimentSummary.Stat f = s.stat("focal", "coco.AP");
        assertEquals(3, f.n());
        assertEquals(0.32, f.mean(), 1e-12);
        assertEquals(0.02, f.sd(), 1e-12); // sample sd of 0.30, 0.32, 0.34
        // −1 (lvis-api's "undefined") is left out
        ExperimentSummary.Stat fr = s.stat("focal", "lvis.APr");
        assertEquals(2, fr.n());
        assertEquals(0.11, fr.mean(), 1e-12);
        assertEquals(Math.sqrt(2) * 0.01, fr.sd(), 1e-12);
        ExperimentSummary.Difference d = s.difference("efl", "focal", "coco.AP");
        assertEquals(0.09, d.delta(), 1e-12);
        assertEquals(Math.sqrt(0.02 * 0.02 / 3 + 0.01 * 0.01 / 3), d.se(), 1e-12);
        assertTrue(d.exceedsTwoSe());
        // a method without runs has no statistics; one of one run has no sd
        assertEquals(0, s.stat("libra", "coco.AP").n());
        assertTrue(Double.isNaN(s.stat("libra", "coco.AP").mean()));
        assertEquals(0, s.runs("libra"));
        assertEquals(101 + 1, s.stat("efl", "train_seconds").mean(), 1e-12);
    }

    @Test
    void smallDifferencesAreNotMarkedAndOneRunGivesNoStandardError() {
        List<RunRecord> runs = List.of(run("focal", 1, 0.30, 0.1), run("focal", 2, 0.40, 0.1),
                run("efl", 1, 0.36, 0.1), run("efl", 2, 0.37, 0.1), run("libra", 1, 0.9, 0.9));
        ExperimentSummary s = ExperimentSummary.of(runs, List.of("focal", "efl", "libra"), "focal",
                List.of(new ExperimentConfig.Pair("libra", "efl")));
        assertFalse(s.difference("efl", "focal", "coco.AP").exceedsTwoSe());
        ExperimentSummary.Difference one = s.difference("libra", "focal", "coco.AP");
        assertTrue(Double.isNaN(one.se()));
        assertFalse(one.exceedsTwoSe());

        String md = s.markdown("T", "setup line");
        assertTrue(md.startsWith("# T\n\nsetup line\n"), md);
        assertTrue(md.contains("| focal | 2 | 102 | 35.0 ± 7.1 |"), md);
        assertTrue(md.contains("| libra | 1 | 101 | 90.0 |"), md);
        assertTrue(md.contains("| efl | focal | +1.5 ± 5.0 |"), md);
        assertTrue(md.contains("| libra | focal | +55.0 |"), md);
        assertTrue(md.contains("## Pairs"), md);
        assertTrue(md.contains("| libra | efl |"), md);
    }

    @Test
    void differencesThatRoundToZeroHaveNoSign() {
        assertEquals("0.0", ExperimentSummary.signed(-0.04));
        assertEquals("0.0", ExperimentSummary.signed(0.04));
        assertEquals("-0.1", ExperimentSummary.signed(-0.06));
        assertEquals("+1.5", ExperimentSummary.signed(1.5));
    }

    @Test
    void markedWhenBeyondTwoStandardErrors() {
        List<RunRecord> runs = List.of(run("focal", 1, 0.30, 0.1), run("focal", 2, 0.31, 0.1),
                run("efl", 1, 0.40, 0.1), run("efl", 2, 0.41, 0.1));
        String md = ExperimentSummary.of(runs, List.of("focal", "efl"), "focal", List.of()).markdown("T", "");
        assertTrue(md.contains("| efl | focal | **+10.0 ± 0.7** |"), md);
    }
}
