package io.github.retina4j.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What the command line and reports need from a COCO or LVIS evaluation result. */
public interface EvaluationSummary {

    /** The headline numbers by name, in the reference tool's order (COCO: the 12 stats; LVIS: its results). */
    Map<String, Double> headline();

    /** The reference tool's summary printout. */
    String summaryText();

    /** Per-category AP / AP50 / AP75 / AR. */
    List<CategoryMetrics> perCategory();

    /** A text table of {@link #perCategory()}. */
    String perCategoryTable();

    /** Counts of what was evaluated and what the rules left out. */
    Map<String, Long> counts();

    String toJson();

    /** Writes {@link #toJson()} to a file, creating its parent folders. */
    default void writeJson(Path file) {
        ReportWriter.writeFile(file, toJson());
    }
}
