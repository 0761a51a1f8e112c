package io.github.retina4j.testsupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReferenceDataTest {

    private String saved;

    @BeforeEach
    void save() {
        saved = System.getProperty(ReferenceData.PROPERTY);
    }

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(ReferenceData.PROPERTY);
        } else {
            System.setProperty(ReferenceData.PROPERTY, saved);
        }
    }

    @Test
    void propertyNamesTheFolder(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/a.json"), "{\"k\": [1, 2]}");
        System.setProperty(ReferenceData.PROPERTY, dir.toString());
        assertEquals(dir.toAbsolutePath().normalize(), ReferenceData.dir());
        assertEquals(2, ReferenceData.json("sub/a.json").get("k").get(1).asInt());
    }

    @Test
    void missingFolderOrFileFailsInOneLineNamingPropertyAndPath(@TempDir Path dir) {
        Path missing = dir.resolve("nowhere");
        System.setProperty(ReferenceData.PROPERTY, missing.toString());
        String m = assertThrows(AssertionFailedError.class, ReferenceData::dir).getMessage();
        assertTrue(m.contains(ReferenceData.PROPERTY) && m.contains(missing.toString()) && !m.contains("\n"), m);
        System.setProperty(ReferenceData.PROPERTY, dir.toString());
        m = assertThrows(AssertionFailedError.class, () -> ReferenceData.file("x/y.npy")).getMessage();
        assertTrue(m.contains(dir.resolve("x/y.npy").toString()) && m.contains(ReferenceData.PROPERTY), m);
    }

    /** Without the property the repository's own reference/ is found from this module's working directory. */
    @Test
    void withoutPropertyTheRepositoryFolderIsFound() {
        System.clearProperty(ReferenceData.PROPERTY);
        Path dir = ReferenceData.dir();
        assertEquals("reference", dir.getFileName().toString());
        assertTrue(Files.isRegularFile(dir.resolve("README.md")));
    }
}
