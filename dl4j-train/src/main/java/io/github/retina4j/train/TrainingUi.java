package io.github.retina4j.train;

import java.nio.file.Path;
import org.deeplearning4j.optimize.api.TrainingListener;

/**
 * The DL4J training UI ({@code deeplearning4j-ui}'s {@code StatsListener} + {@code UIServer}),
 * attached only when asked for. deeplearning4j-ui is not in the default build (it pulls in
 * deeplearning4j-core, Vert.x/Netty, JavaCV and HDF5 natives), so it is looked up by name: build
 * with {@code -Pui} to include it.
 */
public final class TrainingUi {

    private static final String STATS_LISTENER = "org.deeplearning4j.ui.model.stats.StatsListener";
    private static final String FILE_STORAGE = "org.deeplearning4j.ui.model.storage.FileStatsStorage";
    private static final String STORAGE_ROUTER = "org.deeplearning4j.core.storage.StatsStorageRouter";
    private static final String STATS_STORAGE = "org.deeplearning4j.core.storage.StatsStorage";
    private static final String UI_SERVER = "org.deeplearning4j.ui.api.UIServer";

    private TrainingUi() {
    }

    /** True when deeplearning4j-ui is on the class path. */
    public static boolean available() {
        try {
            Class.forName(STATS_LISTENER);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Creates a {@code StatsListener} that records to {@code statsFile} and, if {@code serve}, attaches
     * the storage to the UI server (http://localhost:9000).
     */
    public static TrainingListener listener(Path statsFile, boolean serve) {
        if (!available()) {
            throw new IllegalStateException("the DL4J training UI is not in this build; rebuild with "
                    + "`mvn -B -ntp -Pui -DskipTests package` to include deeplearning4j-ui");
        }
        try {
            Object storage = Class.forName(FILE_STORAGE).getConstructor(java.io.File.class).newInstance(statsFile.toFile());
            if (serve) {
                Object server = Class.forName(UI_SERVER).getMethod("getInstance").invoke(null);
                server.getClass().getMethod("attach", Class.forName(STATS_STORAGE)).invoke(server, storage);
            }
            return (TrainingListener) Class.forName(STATS_LISTENER).getConstructor(Class.forName(STORAGE_ROUTER))
                    .newInstance(storage);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start the DL4J training UI: " + e, e);
        }
    }
}
