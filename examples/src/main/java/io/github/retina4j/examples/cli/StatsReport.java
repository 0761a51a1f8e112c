package io.github.retina4j.examples.cli;

import io.github.retina4j.data.annotations.CocoDataset;
import io.github.retina4j.data.annotations.CocoJsonReader;
import java.io.PrintWriter;
import java.nio.file.Path;

/** The work of {@code retina4j stats}. */
final class StatsReport {

    private StatsReport() {
    }

    static int run(Path annotations, Path out, int top, double rfsThreshold, PrintWriter console) {
        CocoDataset ds = CocoJsonReader.strict().read(annotations);
        if (ds.images().isEmpty()) {
            throw new IllegalArgumentException(annotations + ": the dataset has no images");
        }
        throw new NotAvailableException("dataset statistics (io.github.retina4j.data.stats)");
    }
}
