package io.github.retina4j.examples.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** Small statistics shared by the plain-main benchmark runners. */
final class BenchStats {
    private BenchStats() {
    }

    /** Median of {@code v} (mean of the two middle values for an even count); {@code v} is not modified. */
    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** {@code /proc/loadavg}, printed with timings because the machine may be shared. */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
