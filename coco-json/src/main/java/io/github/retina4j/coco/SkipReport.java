package io.github.retina4j.coco;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts what was skipped (records, boxes, image files) by reason, keeping the first few examples of
 * each, so that nothing is dropped silently (DESIGN §9). Thread-safe: the batch iterator's prefetch
 * workers share one.
 */
public final class SkipReport {
    /** How many example messages are kept per reason. */
    public static final int EXAMPLES_PER_REASON = 5;

    private final Map<String, Long> counts = new TreeMap<>();
    private final Map<String, List<String>> examples = new TreeMap<>();

    /** Records one skipped item with its reason category (e.g. "unknown category id") and details. */
    public synchronized void add(String reason, String detail) {
        counts.merge(reason, 1L, Long::sum);
        List<String> list = examples.computeIfAbsent(reason, k -> new ArrayList<>());
        if (list.size() < EXAMPLES_PER_REASON) {
            list.add(detail);
        }
    }

    /** Number of items skipped for this reason. */
    public synchronized long count(String reason) {
        return counts.getOrDefault(reason, 0L);
    }

    /** Total skipped items. */
    public synchronized long total() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Counts by reason (a snapshot). */
    public synchronized Map<String, Long> counts() {
        return Collections.unmodifiableMap(new TreeMap<>(counts));
    }

    /** The first examples recorded for a reason. */
    public synchronized List<String> examples(String reason) {
        return List.copyOf(examples.getOrDefault(reason, List.of()));
    }

    /** Adds another report's counts and examples into this one. */
    public void addAll(SkipReport other) {
        Map<String, Long> c;
        Map<String, List<String>> e;
        synchronized (other) {
            c = new TreeMap<>(other.counts);
            e = new TreeMap<>(other.examples);
        }
        synchronized (this) {
            c.forEach((k, v) -> counts.merge(k, v, Long::sum));
            e.forEach((k, v) -> {
                List<String> list = examples.computeIfAbsent(k, x -> new ArrayList<>());
                for (String s : v) {
                    if (list.size() < EXAMPLES_PER_REASON) {
                        list.add(s);
                    }
                }
            });
        }
    }

    /** A multi-line summary: "skipped N items" then one line per reason with its examples. */
    @Override
    public synchronized String toString() {
        if (counts.isEmpty()) {
            return "nothing skipped";
        }
        StringBuilder sb = new StringBuilder("skipped ").append(total()).append(" item(s):");
        counts.forEach((reason, n) -> {
            sb.append("\n  ").append(n).append(" × ").append(reason);
            for (String ex : examples.get(reason)) {
                sb.append("\n      e.g. ").append(ex);
            }
        });
        return sb.toString();
    }
}
