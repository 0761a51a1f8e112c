package io.github.retina4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Locates the shared reference folder (COMMON.md): system property {@code retina4j.reference.dir}
 * (set by the parent pom's surefire configuration), else {@code ../shared/reference} relative to the
 * repository root. A missing folder FAILS the calling test.
 */
public final class ReferenceFiles {
    private ReferenceFiles() {
    }

    public static Path dir() {
        String prop = System.getProperty("retina4j.reference.dir");
        Path dir;
        if (prop != null && !prop.isBlank()) {
            dir = Paths.get(prop);
        } else {
            // Module working directory is <repo>/dl4j-data; the repo root is one level up.
            dir = Paths.get("..", "..", "shared", "reference");
        }
        assertTrue(Files.isDirectory(dir), "reference folder not found: " + dir.toAbsolutePath()
                + " (set -Dretina4j.reference.dir)");
        return dir;
    }

    public static Path file(String relative) {
        Path f = dir().resolve(relative);
        assertTrue(Files.isRegularFile(f), "reference file not found: " + f.toAbsolutePath());
        return f;
    }
}
