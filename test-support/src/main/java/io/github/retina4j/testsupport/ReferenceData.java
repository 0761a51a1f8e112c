package io.github.retina4j.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The folder of reference values computed by independent implementations ({@code reference/README.md} describes
 * its layout). Every test that reads reference values finds them here, so one system property re-points all of
 * them: {@value #PROPERTY} names the folder; without it the nearest {@code reference/} holding a {@code README.md},
 * searched upwards from the working directory, is used. A missing folder or file fails the calling test.
 */
public final class ReferenceData {

    /** System property naming the reference folder (the parent pom sets it for every test JVM). */
    public static final String PROPERTY = "retina4j.reference.dir";

    private static final ObjectMapper JSON = new ObjectMapper();

    private ReferenceData() {
    }

    /** The reference folder: {@value #PROPERTY} if set, else the nearest {@code reference/README.md} upwards. */
    public static Path dir() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path dir = Path.of(prop).toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                fail("reference folder not found: " + dir + " (system property " + PROPERTY + ")");
            }
            return dir;
        }
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("reference").resolve("README.md"))) {
                return p.resolve("reference");
            }
        }
        return fail("reference folder not found: no reference/README.md in " + start + " or above (system property "
                + PROPERTY + " unset)");
    }

    /** A file of the reference folder, by its path relative to the folder ({@code "anchors/anchors_targets.json"}). */
    public static Path file(String relPath) {
        Path f = dir().resolve(relPath);
        if (!Files.isRegularFile(f)) {
            fail("reference file not found: " + f + " (system property " + PROPERTY + ")");
        }
        return f;
    }

    /** A JSON file of the reference folder, parsed. */
    public static JsonNode json(String relPath) {
        Path f = file(relPath);
        try {
            return JSON.readTree(f.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read reference file " + f, e);
        }
    }

    /** A {@code .npy} file of the reference folder. */
    public static Npy npy(String relPath) {
        return Npy.read(file(relPath));
    }
}
