package io.github.retina4j.data.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapesLtFilesTest {

    private static ShapesLtConfig tiny(long seed) {
        return ShapesLtConfig.builder().seed(seed).numClasses(3).trainImages(4).valImages(2).imageSize(32, 32)
                .objectSize(8, 16).longTail(3, 1).build();
    }

    @Test
    void ensureReusesTheSameConfigurationAndRegeneratesAnother(@TempDir Path tmp) throws Exception {
        ShapesLtFiles files = ShapesLtFiles.ensure(tiny(1), tmp);
        FileTime marked = FileTime.fromMillis(1_000_000L);
        Files.setLastModifiedTime(files.trainCoco(), marked);
        ShapesLtFiles.ensure(tiny(1), tmp);
        assertEquals(marked, Files.getLastModifiedTime(files.trainCoco()), "same configuration: reused");
        assertEquals(tiny(1).toString(), Files.readString(tmp.resolve(ShapesLtFiles.MARKER)));

        ShapesLtFiles.ensure(tiny(2), tmp);
        assertNotEquals(marked, Files.getLastModifiedTime(files.trainCoco()), "other configuration: generated");
        assertEquals(tiny(2).toString(), Files.readString(tmp.resolve(ShapesLtFiles.MARKER)));

        // an interrupted generation (no marker) is redone
        Files.delete(tmp.resolve(ShapesLtFiles.MARKER));
        Files.setLastModifiedTime(files.trainCoco(), marked);
        ShapesLtFiles.ensure(tiny(2), tmp);
        assertNotEquals(marked, Files.getLastModifiedTime(files.trainCoco()));
    }
}
