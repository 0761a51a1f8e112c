package io.github.retina4j.cli;

import io.github.retina4j.report.LongTailChart;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.retina4j.coco.CocoDataset;
import io.github.retina4j.coco.CocoJsonReader;
import io.github.retina4j.data.stats.CategoryStat;
import io.github.retina4j.data.stats.CategoryStatistics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/** The work of {@code retina4j stats}: the data layer's statistics, printed and optionally written. */
final class StatsReport {

    static final String JSON_FILE = "stats.json";
    static final String CHART_FILE = "long-tail.png";

    private StatsReport() {
    }

    static int run(Path annotations, Path out, int top, double rfsThreshold, PrintWriter console) {
        CocoDataset ds = CocoJsonReader.strict().read(annotations);
        if (ds.images().isEmpty()) {
            throw new IllegalArgumentException(annotations + ": the dataset has no images");
        }
        if (ds.categories().isEmpty()) {
            throw new IllegalArgumentException(annotations + ": the dataset has no categories");
        }
        CategoryStatistics stats = CategoryStatistics.of(ds, rfsThreshold);
        console.println(annotations + (ds.isLvis() ? " (LVIS)" : " (COCO)"));
        console.print(stats.report());
        List<CategoryStat> sorted = stats.categories().stream()
                .sorted(Comparator.comparingInt(CategoryStat::imageCount).reversed()).toList();
        console.printf("%n%-6s %-28s %8s %10s %-9s %8s%n", "id", "name", "images", "instances", "group", "repeat");
        for (int i = 0; i < sorted.size(); i++) {
            if (i == top && sorted.size() > 2 * top) {
                console.printf("  ... %d more ...%n", sorted.size() - 2 * top);
                i = sorted.size() - top;
            }
            CategoryStat s = sorted.get(i);
            console.printf("%-6d %-28s %8d %10d %-9s %8.3f%n", s.categoryId(), s.name(), s.imageCount(),
                    s.instanceCount(), s.group().name().toLowerCase(), s.repeatFactor());
        }
        if (out != null) {
            try {
                Files.createDirectories(out);
                ObjectMapper json = new ObjectMapper();
                ObjectNode root = json.createObjectNode();
                root.put("annotations", annotations.toString());
                root.put("images", stats.numImages());
                root.put("annotations_count", stats.numAnnotations());
                root.put("rfs_threshold", rfsThreshold);
                ObjectNode groups = root.putObject("groups");
                stats.groupSizes().forEach((f, n) -> groups.put(f.name().toLowerCase(), n));
                ArrayNode cats = root.putArray("categories");
                for (CategoryStat s : stats.categories()) {
                    cats.addObject().put("id", s.categoryId()).put("name", s.name()).put("images", s.imageCount())
                            .put("instances", s.instanceCount()).put("image_fraction", s.imageFraction())
                            .put("group", s.group().name().toLowerCase()).put("repeat_factor", s.repeatFactor());
                }
                json.writerWithDefaultPrettyPrinter().writeValue(out.resolve(JSON_FILE).toFile(), root);
                LongTailChart.write(stats.sorted().stream()
                        .map(c -> new LongTailChart.Bar(c.name(), c.imageCount(), c.group())).toList(),
                        stats.numImages(), out.resolve(CHART_FILE), 1000, 500);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write statistics to " + out + ": " + e.getMessage(), e);
            }
            console.println("\nwrote " + out.resolve(JSON_FILE) + " and " + out.resolve(CHART_FILE));
        }
        console.flush();
        return 0;
    }
}
