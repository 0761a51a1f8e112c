package io.github.retina4j.eval;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

class StableScoreSortTest {

    @Test
    void matchesAStableBoxedSortWithManyTies() {
        Random rnd = new Random(11);
        for (int n : new int[] {0, 1, 5, 24, 25, 100, 1000, 5000}) {
            double[] score = new double[n];
            for (int i = 0; i < n; i++) {
                score[i] = rnd.nextInt(20) / 10.0; // many equal scores
            }
            if (n > 3) {
                score[1] = -0.0;
                score[2] = 0.0; // NumPy treats -0.0 and 0.0 as equal
            }
            int[] idx = IntStream.range(0, n).toArray();
            StableScoreSort.sortDescending(idx, 0, n, score, new int[n]);
            // List.sort is a stable merge sort; compare with primitive '<' semantics via score + 0.0
            Integer[] boxed = IntStream.range(0, n).boxed().toArray(Integer[]::new);
            Arrays.sort(boxed, Comparator.comparingDouble((Integer i) -> -(score[i] + 0.0)));
            assertArrayEquals(Arrays.stream(boxed).mapToInt(Integer::intValue).toArray(), idx, "n=" + n);
        }
    }

    @Test
    void sortsASubRangeOnly() {
        double[] score = {0.1, 0.9, 0.5, 0.7, 0.2};
        int[] idx = {0, 1, 2, 3, 4};
        StableScoreSort.sortDescending(idx, 1, 4, score, new int[5]);
        assertArrayEquals(new int[] {0, 1, 3, 2, 4}, idx);
    }

    @Test
    void countingSortByKeyIsStable() {
        int[] key = {2, 0, 1, 0, 2, 1};
        int[] items = {5, 4, 3, 2, 1, 0};
        assertArrayEquals(new int[] {3, 1, 5, 2, 4, 0}, StableScoreSort.byKey(items, key, 3));
    }
}
