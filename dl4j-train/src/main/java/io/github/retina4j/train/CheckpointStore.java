package io.github.retina4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Checkpoints of a training run: {@code <dir>/checkpoint-<iteration>/} holding {@code model.zip}
 * (DL4J {@code ModelSerializer}: configuration incl. iteration/epoch counters and loss state,
 * parameters, updater state) and {@code trainer-state.json} ({@link TrainerState}).
 *
 * <p>Atomic: a checkpoint is written into a {@code .tmp} directory and renamed into place, so a
 * crash mid-write never leaves a half checkpoint that {@link #latest()} would pick.
 */
public final class CheckpointStore {

    public static final String MODEL_FILE = "model.zip";
    public static final String STATE_FILE = "trainer-state.json";
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes the graph (with its updater state) to a model file; lets callers add metadata entries. */
    @FunctionalInterface
    public interface ModelWriter {
        void write(ComputationGraph graph, Path file) throws IOException;
    }

    /** DL4J's own format: configuration, parameters and updater state. */
    public static final ModelWriter DL4J = (g, f) -> ModelSerializer.writeModel(g, f.toFile(), true);

    private final Path dir;
    private final int keep;
    private final ModelWriter writer;

    /**
     * @param dir  checkpoint directory (created on first save)
     * @param keep how many most recent checkpoints to keep (≥ 1)
     */
    public CheckpointStore(Path dir, int keep) {
        this(dir, keep, DL4J);
    }

    /**
     * @param writer writes {@code model.zip}; it must keep the updater state and stay readable by
     *               {@code ModelSerializer.restoreComputationGraph} (extra zip entries are fine)
     */
    public CheckpointStore(Path dir, int keep, ModelWriter writer) {
        this.writer = java.util.Objects.requireNonNull(writer, "writer");
        if (keep < 1) {
            throw new IllegalArgumentException("must keep at least 1 checkpoint, got " + keep);
        }
        this.dir = dir;
        this.keep = keep;
    }

    public Path dir() {
        return dir;
    }

    /** A complete checkpoint on disk. */
    public record Checkpoint(Path dir, int iteration) {
        public Path modelFile() { return dir.resolve(MODEL_FILE); }
        public Path stateFile() { return dir.resolve(STATE_FILE); }

        public TrainerState readState() {
            try {
                return JSON.readValue(stateFile().toFile(), TrainerState.class);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read trainer state " + stateFile() + ": " + e.getMessage(), e);
            }
        }

        public ComputationGraph readModel() {
            try {
                return ModelSerializer.restoreComputationGraph(modelFile().toFile(), true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read checkpoint model " + modelFile() + ": " + e.getMessage(), e);
            }
        }
    }

    /** Writes a checkpoint atomically and prunes old ones; returns it. */
    public Checkpoint save(ComputationGraph graph, TrainerState state) {
        try {
            Files.createDirectories(dir);
            String name = String.format("checkpoint-%08d", state.iteration());
            Path tmp = dir.resolve(name + ".tmp");
            deleteRecursively(tmp);
            Files.createDirectories(tmp);
            writer.write(graph, tmp.resolve(MODEL_FILE));
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.resolve(STATE_FILE).toFile(), state);
            Path target = dir.resolve(name);
            deleteRecursively(target);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            prune();
            return new Checkpoint(target, state.iteration());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** All complete checkpoints, oldest first. */
    public List<Checkpoint> list() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Checkpoint> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.forEach(p -> {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p.resolve(MODEL_FILE)) && Files.isRegularFile(p.resolve(STATE_FILE))) {
                    out.add(new Checkpoint(p, Integer.parseInt(m.group(1))));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparingInt(Checkpoint::iteration));
        return out;
    }

    public Optional<Checkpoint> latest() {
        List<Checkpoint> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    private void prune() throws IOException {
        List<Checkpoint> all = list();
        for (int i = 0; i < all.size() - keep; i++) {
            deleteRecursively(all.get(i).dir());
        }
    }

    static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
