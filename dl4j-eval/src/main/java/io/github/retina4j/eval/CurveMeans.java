package io.github.retina4j.eval;

/**
 * pycocotools' summary statistic: the mean of the entries of a slice of the precision or recall
 * array that are > -1 (−1 marks "no ground truth"), or −1 if there are none.
 */
final class CurveMeans {

    private CurveMeans() {
    }

    /**
     * Mean over the cartesian product of the selected indices of a C-order array.
     *
     * @param shape     array dimensions
     * @param selection per dimension the indices to take, or null for all
     */
    static double meanValid(double[] array, int[] shape, int[][] selection) {
        int nd = shape.length;
        int[][] sel = new int[nd][];
        for (int d = 0; d < nd; d++) {
            if (selection[d] == null) {
                sel[d] = new int[shape[d]];
                for (int i = 0; i < shape[d]; i++) {
                    sel[d][i] = i;
                }
            } else {
                sel[d] = selection[d];
            }
            if (sel[d].length == 0) {
                return -1;
            }
        }
        int[] pos = new int[nd];
        double sum = 0;
        long count = 0;
        while (true) {
            int flat = 0;
            for (int d = 0; d < nd; d++) {
                flat = flat * shape[d] + sel[d][pos[d]];
            }
            double v = array[flat];
            if (v > -1) {
                sum += v;
                count++;
            }
            int d = nd - 1;
            while (d >= 0 && ++pos[d] == sel[d].length) {
                pos[d] = 0;
                d--;
            }
            if (d < 0) {
                break;
            }
        }
        return count == 0 ? -1 : sum / count;
    }

    static int[] one(int index) {
        return index < 0 ? new int[0] : new int[] {index};
    }
}
