package io.github.retina4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small statistics, the torch reference runner and the class list shared by the plain-main benchmark runners. */
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

    /** Debian's python, used only by benchmarks for the torch reference timings (never by tests). */
    static final Path PYTHON = Path.of("/usr/bin/python3");

    /**
     * Runs {@code script} with {@link #PYTHON} and returns the values of its {@code RESULT <key> <value>} lines; its
     * other output is echoed after {@code prefix} (torch's UserWarnings dropped). Null, with the reason printed, when
     * python is missing or the script fails.
     */
    static Map<String, Double> pythonResults(String prefix, String script, String... args)
            throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            System.out.println(prefix + PYTHON + " not found, no ratio");
            return null;
        }
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", script));
        command.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        Map<String, Double> result = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    String[] parts = line.split(" ");
                    result.put(parts[1], Double.parseDouble(parts[2]));
                } else if (!line.contains("UserWarning") && !line.isBlank()) {
                    System.out.println(prefix + line);
                }
            }
        }
        int code = p.waitFor();
        if (code != 0) {
            System.out.println(prefix + "not available (exit " + code + "), no ratio");
            return null;
        }
        return result;
    }

    /** {@code n} classes with dataset ids 1..n, named "class0".."class(n−1)": the benchmarks' stand-in class list. */
    static io.github.retina4j.coco.CategoryMapping categories(int n) {
        int[] ids = new int[n];
        String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i + 1;
            names[i] = "class" + i;
        }
        return new io.github.retina4j.coco.CategoryMapping(ids, names);
    }
}
