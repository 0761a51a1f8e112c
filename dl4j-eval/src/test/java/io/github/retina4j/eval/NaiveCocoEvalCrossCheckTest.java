package io.github.retina4j.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.retina4j.eval.SyntheticWorkloads.Workload;
import org.junit.jupiter.api.Test;

/**
 * {@link CocoEvaluator} against {@link NaiveCocoEval}, an object-based port of pycocotools' COCOeval written
 * independently of the evaluator's flat tables, on a generated long-tailed workload with crowd boxes, duplicates and
 * confusions that the 30-image reference fixture does not have in bulk.
 */
class NaiveCocoEvalCrossCheckTest {

    @Test
    void theTwelveSummaryNumbersAgreeWithTheNaivePort() {
        Workload w = SyntheticWorkloads.cocoWorkload(150, 42);
        double[] fast = new CocoEvaluator(EvalParams.coco(), 2).evaluate(w.gt(), w.dets()).stats();
        double[] naive = NaiveCocoEval.stats(w.gt(), w.dets());
        assertEquals(12, naive.length);
        for (int i = 0; i < 12; i++) {
            // both average the same float64 precision/recall values; only summation order may differ
            assertEquals(naive[i], fast[i], 1e-12, "summary number " + i);
        }
    }
}
