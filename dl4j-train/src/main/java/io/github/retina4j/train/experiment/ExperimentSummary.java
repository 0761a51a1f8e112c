package io.github.retina4j.train.experiment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The statistics of an experiment's runs: per method and metric the mean and sample standard deviation over seeds, and
 * the difference of each method to the baseline (and of each configured pair) with its standard error; and their
 * Markdown report ({@code results.md}).
 *
 * <p>The standard error of a difference of two means is Welch's, √(s₁²/n₁ + s₂²/n₂) (runs of different methods are
 * treated as independent samples); a difference "exceeds two standard errors" when |Δ| &gt; 2·SE, roughly a 95 %
 * interval that excludes 0 (with 3 seeds a t-quantile would ask for more: this is a screening mark, not a test).
 */
public final class ExperimentSummary {

    /** Mean, sample standard deviation (NaN for one run) and count of one metric of one method; undefined runs skipped. */
    public record Stat(double mean, double sd, int n) {
        static Stat of(List<Double> values) {
            List<Double> v = values.stream().filter(x -> !x.isNaN()).toList();
            int n = v.size();
            if (n == 0) {
                return new Stat(Double.NaN, Double.NaN, 0);
            }
            double mean = v.stream().mapToDouble(Double::doubleValue).sum() / n;
            double ss = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
            return new Stat(mean, n > 1 ? Math.sqrt(ss / (n - 1)) : Double.NaN, n);
        }
    }

    /** {@code method} − {@code against}: difference of means, Welch standard error, whether |Δ| &gt; 2·SE. */
    public record Difference(double delta, double se, boolean exceedsTwoSe) {
        static Difference of(Stat a, Stat b) {
            double delta = a.mean() - b.mean();
            double se = Math.sqrt(a.sd() * a.sd() / a.n() + b.sd() * b.sd() / b.n());
            return new Difference(delta, se, Double.isFinite(se) && Math.abs(delta) > 2 * se);
        }
    }

    private final List<String> methods;
    private final List<String> metrics;
    private final Map<String, Map<String, Stat>> stats;
    private final Map<String, List<RunRecord>> runs;
    private final String baseline;
    private final List<ExperimentConfig.Pair> pairs;

    private ExperimentSummary(List<String> methods, List<String> metrics, Map<String, Map<String, Stat>> stats,
                              Map<String, List<RunRecord>> runs, String baseline, List<ExperimentConfig.Pair> pairs) {
        this.methods = methods;
        this.metrics = metrics;
        this.stats = stats;
        this.runs = runs;
        this.baseline = baseline;
        this.pairs = pairs;
    }

    /** The statistics of {@code records} for the configuration's methods (in its order), baseline and pairs. */
    public static ExperimentSummary of(List<RunRecord> records, ExperimentConfig config) {
        return of(records, config.methods(), config.evaluation().baseline(), config.evaluation().pairs());
    }

    public static ExperimentSummary of(List<RunRecord> records, List<String> methods, String baseline,
                                       List<ExperimentConfig.Pair> pairs) {
        List<String> metrics = RunRecord.headlineMetrics();
        Map<String, List<RunRecord>> byMethod = new LinkedHashMap<>();
        methods.forEach(m -> byMethod.put(m, new ArrayList<>()));
        for (RunRecord r : records) {
            List<RunRecord> l = byMethod.get(r.method());
            if (l != null) {
                l.add(r);
            }
        }
        Map<String, Map<String, Stat>> stats = new LinkedHashMap<>();
        for (String m : methods) {
            Map<String, Stat> s = new LinkedHashMap<>();
            for (String metric : metrics) {
                s.put(metric, Stat.of(byMethod.get(m).stream().map(r -> r.metric(metric)).toList()));
            }
            s.put("train_seconds", Stat.of(byMethod.get(m).stream().map(RunRecord::trainSeconds).toList()));
            stats.put(m, s);
        }
        return new ExperimentSummary(List.copyOf(methods), metrics, stats, byMethod, baseline, List.copyOf(pairs));
    }

    public List<String> methods() {
        return methods;
    }

    /** Qualified metric names ({@code coco.AP}, ..., {@code lvis.APf}). */
    public List<String> metrics() {
        return metrics;
    }

    /** Statistics of a method's metric ({@code coco.AP75}, {@code lvis.APr}, or {@code train_seconds}). */
    public Stat stat(String method, String metric) {
        Map<String, Stat> s = stats.get(method);
        if (s == null || !s.containsKey(metric)) {
            throw new IllegalArgumentException("no statistics of " + method + " / " + metric);
        }
        return s.get(metric);
    }

    public int runs(String method) {
        return runs.get(method).size();
    }

    public Difference difference(String method, String against, String metric) {
        return Difference.of(stat(method, metric), stat(against, metric));
    }

    public String baseline() {
        return baseline;
    }

    /** {@code results.md}: the configuration line, mean ± sd per method, differences to the baseline and of the pairs. */
    public String markdown(String title, String setup) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(title).append("\n\n");
        if (setup != null && !setup.isBlank()) {
            sb.append(setup.strip()).append("\n\n");
        }
        sb.append("AP in percent (COCO: pycocotools protocol; LVIS: lvis-api protocol, APr/APc/APf over the rare, common and "
                + "frequent classes). Mean ± sample standard deviation over the seeds; n = runs; train s = mean training "
                + "seconds (of an evaluation-only method: those of the models it evaluates).\n\n");
        sb.append("| method | n | train s |");
        metrics.forEach(m -> sb.append(' ').append(label(m)).append(" |"));
        sb.append('\n').append("|---|---:|---:|");
        metrics.forEach(m -> sb.append("---:|"));
        sb.append('\n');
        for (String method : methods) {
            sb.append("| ").append(method).append(" | ").append(runs(method)).append(" | ");
            Stat t = stat(method, "train_seconds");
            sb.append(t.n() == 0 ? "–" : String.format(Locale.ROOT, "%.0f", t.mean())).append(" |");
            for (String m : metrics) {
                sb.append(' ').append(meanSd(stat(method, m))).append(" |");
            }
            sb.append('\n');
        }
        if (methods.contains(baseline)) {
            sb.append("\n## Difference to ").append(baseline).append(" (baseline)\n\n");
            differences(sb, methods.stream().filter(m -> !m.equals(baseline))
                    .map(m -> new ExperimentConfig.Pair(m, baseline)).toList());
        }
        if (!pairs.isEmpty()) {
            sb.append("\n## Pairs\n\n");
            differences(sb, pairs);
        }
        return sb.toString();
    }

    private void differences(StringBuilder sb, List<ExperimentConfig.Pair> list) {
        sb.append("Δ = mean(method) − mean(reference) in AP points, ± its standard error SE = √(s₁²/n₁ + s₂²/n₂); "
                + "**bold** where |Δ| > 2·SE.\n\n");
        sb.append("| method | reference |");
        metrics.forEach(m -> sb.append(' ').append(label(m)).append(" |"));
        sb.append('\n').append("|---|---|");
        metrics.forEach(m -> sb.append("---:|"));
        sb.append('\n');
        for (ExperimentConfig.Pair p : list) {
            sb.append("| ").append(p.method()).append(" | ").append(p.against()).append(" |");
            for (String m : metrics) {
                Stat a = stat(p.method(), m);
                Stat b = stat(p.against(), m);
                sb.append(' ');
                if (a.n() == 0 || b.n() == 0) {
                    sb.append("–");
                } else {
                    Difference d = Difference.of(a, b);
                    String text = signed(100 * d.delta())
                            + (Double.isFinite(d.se()) ? String.format(Locale.ROOT, " ± %.1f", 100 * d.se()) : "");
                    sb.append(d.exceedsTwoSe() ? "**" + text + "**" : text);
                }
                sb.append(" |");
            }
            sb.append('\n');
        }
    }

    /** A difference with its sign, one decimal; one that rounds to zero is "0.0", not "-0.0". */
    static String signed(double v) {
        String t = String.format(Locale.ROOT, "%+.1f", v);
        return t.equals("-0.0") || t.equals("+0.0") ? "0.0" : t;
    }

    private static String meanSd(Stat s) {
        if (s.n() == 0) {
            return "–";
        }
        return Double.isNaN(s.sd()) ? String.format(Locale.ROOT, "%.1f", 100 * s.mean())
                : String.format(Locale.ROOT, "%.1f ± %.1f", 100 * s.mean(), 100 * s.sd());
    }

    /** {@code coco.AP50} → {@code COCO AP50}. */
    static String label(String metric) {
        int dot = metric.indexOf('.');
        return metric.substring(0, dot).toUpperCase(Locale.ROOT) + " " + metric.substring(dot + 1);
    }

    @Override
    public String toString() {
        return "ExperimentSummary" + Objects.toString(stats);
    }
}
