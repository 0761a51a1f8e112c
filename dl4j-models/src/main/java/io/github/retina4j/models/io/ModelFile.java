package io.github.retina4j.models.io;

import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.models.heads.RetinaHead;
import io.github.retina4j.models.heads.SharedHeadVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A detector on disk: DL4J's {@link ModelSerializer} zip (graph configuration incl. the loss state such
 * as EFL's gradient statistics, parameters, optionally the updater) plus one JSON entry,
 * {@value #METADATA_ENTRY}, holding {@link ModelMetadata}. The JSON is a plain zip entry (not Java
 * serialisation) so that it can be read with {@code unzip -p model.zip retina4j-metadata.json}.
 * Files are written to a temporary sibling and moved into place, so a crash never leaves a half-written
 * model under the final name.
 */
public final class ModelFile {

    /**
     * Zip entry holding the metadata JSON. It sits at the top level: DL4J M2.1's
     * {@code ModelSerializer.loadZipData} throws a bare IllegalArgumentException on any directory entry
     * (ModelFileTest#directoryEntriesBreakDl4jRestore guards this).
     */
    public static final String METADATA_ENTRY = "retina4j-metadata.json";
    /** Entries {@link ModelSerializer} always writes for a graph. */
    private static final List<String> REQUIRED_DL4J_ENTRIES = List.of("configuration.json", "coefficients.bin");

    private ModelFile() {
    }

    /** A restored graph with its metadata. */
    public record Loaded(ComputationGraph graph, ModelMetadata metadata, Path file) {
    }

    /**
     * Saves {@code graph} and {@code metadata} to {@code file} (atomically replaced).
     *
     * @param saveUpdater keep the updater state, for resuming training
     */
    public static void save(ComputationGraph graph, ModelMetadata metadata, Path file, boolean saveUpdater) throws IOException {
        if (graph == null || metadata == null || file == null) {
            throw new IllegalArgumentException("graph, metadata and file are required");
        }
        Path abs = file.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        Path tmp = Files.createTempFile(dir, abs.getFileName().toString(), ".tmp");
        try {
            ModelSerializer.writeModel(graph, tmp.toFile(), saveUpdater);
            try (FileSystem zip = FileSystems.newFileSystem(URI.create("jar:" + tmp.toUri()), Map.of())) {
                Path entry = zip.getPath(METADATA_ENTRY);
                Files.writeString(entry, metadata.toJson(), StandardCharsets.UTF_8);
            }
            shareable(tmp);
            Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * A temporary file is created owner-only (0600); a model file is meant to be read by whoever deploys it, so it
     * gets the permissions an ordinary new file has (rw-r--r--). Ignored where the file system has no POSIX modes.
     */
    private static void shareable(Path file) throws IOException {
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /** Reads only the metadata (fast: the parameters are not loaded). */
    public static ModelMetadata readMetadata(Path file) {
        checkReadable(file);
        try (ZipFile zip = open(file)) {
            for (String required : REQUIRED_DL4J_ENTRIES) {
                if (zip.getEntry(required) == null) {
                    throw new ModelFileException(file, "not a DL4J model zip: entry '" + required + "' is missing");
                }
            }
            ZipEntry entry = zip.getEntry(METADATA_ENTRY);
            if (entry == null) {
                throw new ModelFileException(file, "metadata entry '" + METADATA_ENTRY
                        + "' is missing (a plain DL4J model? save it with ModelFile.save)");
            }
            String json;
            try (InputStream in = zip.getInputStream(entry)) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            try {
                return ModelMetadata.fromJson(json, file + "!" + METADATA_ENTRY);
            } catch (IllegalArgumentException e) {
                throw new ModelFileException(file, "invalid metadata", e);
            }
        } catch (ZipException e) {
            throw new ModelFileException(file, "corrupt or truncated zip", e);
        } catch (IOException e) {
            throw new ModelFileException(file, "cannot read", e);
        }
    }

    /**
     * Loads graph and metadata.
     *
     * @param loadUpdater restore the updater state (for resuming training)
     */
    public static Loaded load(Path file, boolean loadUpdater) {
        ModelMetadata metadata = readMetadata(file);
        ComputationGraph graph;
        try {
            graph = ModelSerializer.restoreComputationGraph(file.toFile(), loadUpdater);
        } catch (Exception | Error e) {
            if (e instanceof VirtualMachineError vme && !(e instanceof OutOfMemoryError)) {
                throw vme;
            }
            String missing = missingClass(e);
            if (missing != null) {
                ModelFileException m = new ModelFileException(file, "model needs class " + missing
                        + ", which is not on the class path (add the library that defines it to the application)");
                m.initCause(e);
                throw m;
            }
            throw new ModelFileException(file, "the DL4J graph cannot be restored (corrupt entries or a"
                    + " configuration from another version)", e);
        }
        String[] outputs = graph.getConfiguration().getNetworkOutputs().toArray(new String[0]);
        for (String name : new String[] {metadata.classOutput(), metadata.boxOutput()}) {
            if (!Arrays.asList(outputs).contains(name)) {
                throw new ModelFileException(file, "metadata names output '" + name + "' but the graph's outputs are "
                        + Arrays.toString(outputs));
            }
        }
        checkGraphAgainstMetadata(file, graph, metadata);
        return new Loaded(graph, metadata, file);
    }

    /**
     * The class a failed restore needed and could not load, or null if it failed for another reason. The
     * graph JSON names every layer, vertex, loss, updater and schedule by class ({@code "@class"}), and
     * Jackson reports an unknown one as an {@code InvalidTypeIdException} whose type id is the class name (it
     * also throws one for a class that exists but has the wrong type, hence the load check); reflection and
     * Java deserialisation report {@link ClassNotFoundException} / {@link NoClassDefFoundError}.
     */
    static String missingClass(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            String typeId = null;
            if (t instanceof org.nd4j.shade.jackson.databind.exc.InvalidTypeIdException e) {
                typeId = e.getTypeId();
            } else if (t instanceof com.fasterxml.jackson.databind.exc.InvalidTypeIdException e) {
                typeId = e.getTypeId();
            }
            if (typeId != null) {
                String missing = unloadable(typeId);
                if (missing != null) {
                    return missing;
                }
            }
            String named = missingName(t);
            if (named != null) {
                return named;
            }
        }
        return null;
    }

    /** The class name a ClassNotFoundException or NoClassDefFoundError reports, else null. */
    private static String missingName(Throwable t) {
        if (!(t instanceof ClassNotFoundException || t instanceof NoClassDefFoundError) || t.getMessage() == null) {
            return null;
        }
        // NoClassDefFoundError says "a/b/C"; "Could not initialize class ..." is a failed static initialiser
        String name = t.getMessage().replace('/', '.');
        return !name.isEmpty() && name.chars().noneMatch(Character::isWhitespace) ? name : null;
    }

    /** Null if {@code className} loads, else the class that is missing (it or, e.g., its superclass). */
    private static String unloadable(String className) {
        String missing = className;
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        for (ClassLoader loader : new ClassLoader[] {context, ModelFile.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            try {
                Class.forName(className, false, loader);
                return null;
            } catch (ClassNotFoundException e) {
                // try the next loader
            } catch (LinkageError e) {
                String dependency = missingName(e);
                missing = dependency != null ? dependency : className;
            }
        }
        return missing;
    }

    /**
     * For graphs built by our RetinaNet builders: the class head's outputs per anchor must equal the
     * number of categories and its anchors per location those of the anchor configuration.
     */
    static void checkGraphAgainstMetadata(Path file, ComputationGraph graph, ModelMetadata metadata) {
        if (graph.getConfiguration().getVertices().get(RetinaHead.CLASSIFICATION) instanceof SharedHeadVertex head) {
            if (head.getOutputsPerAnchor() != metadata.categories().size()) {
                throw new ModelFileException(file, "the graph predicts " + head.getOutputsPerAnchor()
                        + " classes but its metadata lists " + metadata.categories().size() + " categories");
            }
            if (head.getNumAnchors() != metadata.anchors().anchorsPerLocation()) {
                throw new ModelFileException(file, "the graph has " + head.getNumAnchors()
                        + " anchors per location but its anchor configuration has " + metadata.anchors().anchorsPerLocation());
            }
        }
    }

    /**
     * Loads a model that must have been trained for exactly {@code expected} (same category ids, in the
     * same order, with the same names); otherwise fails naming what differs (DESIGN §9 "a model file from
     * another class list").
     */
    public static Loaded load(Path file, CategoryMapping expected, boolean loadUpdater) {
        ModelMetadata metadata = readMetadata(file);
        checkClasses(file, metadata.categories(), expected);
        return load(file, loadUpdater);
    }

    /** Throws a {@link ModelFileException} describing how {@code actual} differs from {@code expected}. */
    static void checkClasses(Path file, CategoryMapping actual, CategoryMapping expected) {
        if (expected == null || actual.equals(expected)) {
            return;
        }
        List<String> diffs = new ArrayList<>();
        if (actual.size() != expected.size()) {
            diffs.add("it has " + actual.size() + " classes, expected " + expected.size());
        }
        int shown = 0;
        for (int i = 0; i < Math.min(actual.size(), expected.size()) && shown < 5; i++) {
            if (actual.toCategoryId(i) != expected.toCategoryId(i) || !actual.name(i).equals(expected.name(i))) {
                diffs.add("class " + i + " is id " + actual.toCategoryId(i) + " '" + actual.name(i) + "', expected id "
                        + expected.toCategoryId(i) + " '" + expected.name(i) + "'");
                shown++;
            }
        }
        throw new ModelFileException(file, "trained for another class list: " + String.join("; ", diffs));
    }

    private static void checkReadable(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("model file path is null");
        }
        if (!Files.exists(file)) {
            throw new ModelFileException(file, "does not exist");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ModelFileException(file, "is not a readable file");
        }
    }

    private static ZipFile open(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new ModelFileException(file, "not a model zip (corrupt or truncated)", e);
        }
    }
}
