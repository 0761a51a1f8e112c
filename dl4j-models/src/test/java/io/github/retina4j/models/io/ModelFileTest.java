package io.github.retina4j.models.io;

import io.github.retina4j.coco.CategoryMapping;
import io.github.retina4j.models.io.PostProcessConfig;
import io.github.retina4j.models.inference.TinyDetectionModel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelFileTest {

    @TempDir
    Path dir;

    private Path saved() throws Exception {
        Path file = dir.resolve("model.zip");
        ModelFile.save(TinyDetectionModel.graph(5), TinyDetectionModel.metadata(), file, true);
        return file;
    }

    private static void assertMessage(ModelFileException e, Path file, String... parts) {
        assertEquals(file, e.file());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "expected '" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void roundTripGivesIdenticalOutputsAndMetadata() throws Exception {
        ComputationGraph graph = TinyDetectionModel.graph(5);
        // one training step so that parameters and updater state differ from initialisation
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64, 64);
        graph.fit(new INDArray[] {x}, new INDArray[] {Nd4j.rand(DataType.FLOAT, 2, 3, 4).gt(0.5).castTo(DataType.FLOAT),
            Nd4j.rand(DataType.FLOAT, 2, 4, 4)});
        Path file = dir.resolve("sub/dir/model.zip");
        ModelMetadata meta = TinyDetectionModel.metadata().withPostprocessing(PostProcessConfig.lvis());
        ModelFile.save(graph, meta, file, true);
        ModelFile.Loaded loaded = ModelFile.load(file, true);
        INDArray[] before = graph.output(false, x);
        INDArray[] after = loaded.graph().output(false, x);
        assertEquals(before.length, after.length);
        for (int i = 0; i < before.length; i++) {
            assertIdentical("output " + i, before[i], after[i]);
        }
        assertIdentical("parameters", graph.params(), loaded.graph().params());
        assertIdentical("updater state", graph.getUpdater().getStateViewArray(), loaded.graph().getUpdater().getStateViewArray());
        ModelMetadata back = loaded.metadata();
        assertEquals(meta.categories(), back.categories());
        assertEquals(meta.preprocessing(), back.preprocessing());
        assertEquals(meta.anchors(), back.anchors());
        assertEquals(meta.postprocessing(), back.postprocessing());
        assertEquals(meta.boxCoder().toString(), back.boxCoder().toString());
        assertEquals("cls", back.classOutput());
        assertEquals(back.categories(), ModelFile.readMetadata(file).categories());
        // no temporary files are left next to the model
        assertArrayEquals(new String[] {"model.zip"}, Files.list(file.getParent()).map(p -> p.getFileName().toString()).toArray());
        // readable by others, as an ordinary file (the temporary file it was written to was owner-only)
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
    }

    @Test
    void expectedClassListIsChecked() throws Exception {
        Path file = saved();
        ModelFile.load(file, TinyDetectionModel.CATEGORIES, false);
        CategoryMapping other = new CategoryMapping(new int[] {1, 5, 10}, new String[] {"circle", "square", "star"});
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(file, other, false));
        assertMessage(e, file, "another class list", "class 2 is id 9 'triangle', expected id 10 'star'");
        CategoryMapping fewer = new CategoryMapping(new int[] {1, 5}, new String[] {"circle", "square"});
        e = assertThrows(ModelFileException.class, () -> ModelFile.load(file, fewer, false));
        assertMessage(e, file, "it has 3 classes, expected 2");
    }

    @Test
    void missingMetadataEntryIsReported() throws Exception {
        Path file = dir.resolve("plain.zip");
        ModelSerializer.writeModel(TinyDetectionModel.graph(5), file.toFile(), false);
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(file, false));
        assertMessage(e, file, "metadata entry 'retina4j-metadata.json' is missing");
    }

    @Test
    void truncatedAndCorruptFilesAreReported() throws Exception {
        Path file = saved();
        byte[] bytes = Files.readAllBytes(file);
        Path truncated = dir.resolve("truncated.zip");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(truncated, false));
        assertMessage(e, truncated, "corrupt or truncated");
        Path garbage = dir.resolve("garbage.zip");
        Files.writeString(garbage, "this is not a zip file at all");
        e = assertThrows(ModelFileException.class, () -> ModelFile.load(garbage, false));
        assertMessage(e, garbage, "corrupt or truncated");
        Path missing = dir.resolve("missing.zip");
        e = assertThrows(ModelFileException.class, () -> ModelFile.load(missing, false));
        assertMessage(e, missing, "does not exist");
    }

    @Test
    void corruptParametersInsideAValidZipAreReported() throws Exception {
        Path file = saved();
        Path broken = dir.resolve("broken.zip");
        // rewrite the zip with coefficients.bin cut short: the zip is valid, the parameters are not
        try (var in = new java.util.zip.ZipFile(file.toFile());
             var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(broken))) {
            for (var entries = in.entries(); entries.hasMoreElements(); ) {
                var entry = entries.nextElement();
                byte[] data = in.getInputStream(entry).readAllBytes();
                if (entry.getName().equals("coefficients.bin")) {
                    data = Arrays.copyOf(data, data.length / 3);
                }
                out.putNextEntry(new java.util.zip.ZipEntry(entry.getName()));
                out.write(data);
                out.closeEntry();
            }
        }
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(broken, false));
        assertMessage(e, broken, "cannot be restored");
    }

    /** A copy of {@code file} whose configuration JSON has every {@code from} replaced by {@code to}. */
    private Path withConfiguration(Path file, String name, String from, String to) throws Exception {
        Path out = dir.resolve(name);
        try (var in = new java.util.zip.ZipFile(file.toFile());
             var zip = new java.util.zip.ZipOutputStream(Files.newOutputStream(out))) {
            for (var entries = in.entries(); entries.hasMoreElements(); ) {
                var entry = entries.nextElement();
                byte[] data = in.getInputStream(entry).readAllBytes();
                if (entry.getName().equals("configuration.json")) {
                    String json = new String(data, java.nio.charset.StandardCharsets.UTF_8);
                    assertTrue(json.contains(from), "the configuration names " + from);
                    data = json.replace(from, to).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                }
                zip.putNextEntry(new java.util.zip.ZipEntry(entry.getName()));
                zip.write(data);
                zip.closeEntry();
            }
        }
        return out;
    }

    @Test
    void aClassThatIsNotOnTheClassPathIsNamed() throws Exception {
        Path file = saved();
        // a vertex, a loss function and an updater: the three kinds of class a trained graph names
        String[][] renames = {
            {TinyDetectionModel.FlattenSpatial.class.getName(), "io.github.retina4j.models.inference.NoSuchVertex"},
            {"org.nd4j.linalg.lossfunctions.impl.LossMSE", "com.example.losses.LossFromAnotherLibrary"},
            {"org.nd4j.linalg.learning.config.Sgd", "com.example.optimize.UnknownUpdater"}};
        for (String[] r : renames) {
            Path renamed = withConfiguration(file, "renamed.zip", r[0], r[1]);
            ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(renamed, false));
            assertMessage(e, renamed, "model needs class " + r[1] + ", which is not on the class path");
            assertTrue(!e.getMessage().contains("corrupt"), e.getMessage());
            assertThrows(ModelFileException.class, () -> io.github.retina4j.models.inference.Detector.load(renamed),
                    "the detector reports it too");
        }
        // a class that exists but has the wrong type is not a missing class
        Path wrongType = withConfiguration(file, "wrong-type.zip", "org.nd4j.linalg.learning.config.Sgd", "java.lang.String");
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(wrongType, false));
        assertMessage(e, wrongType, "cannot be restored");
    }

    @Test
    void missingClassIsFoundAnywhereInTheCauseChain() {
        assertEquals("com.example.Gone", ModelFile.missingClass(
                new RuntimeException("outer", new IllegalStateException(new ClassNotFoundException("com.example.Gone")))));
        assertEquals("com.example.Base", ModelFile.missingClass(new RuntimeException(new NoClassDefFoundError("com/example/Base"))));
        // a failed static initialiser is not a missing class
        assertEquals(null, ModelFile.missingClass(new NoClassDefFoundError("Could not initialize class com.example.X")));
        assertEquals(null, ModelFile.missingClass(new RuntimeException("corrupt", new java.io.EOFException())));
    }

    /** DL4J M2.1 refuses zips with directory entries; if this starts passing, METADATA_ENTRY may use a folder. */
    @Test
    void directoryEntriesBreakDl4jRestore() throws Exception {
        Path file = dir.resolve("with-dir.zip");
        ModelSerializer.writeModel(TinyDetectionModel.graph(5), file.toFile(), false);
        try (var zip = java.nio.file.FileSystems.newFileSystem(java.net.URI.create("jar:" + file.toUri()), java.util.Map.of())) {
            Files.createDirectories(zip.getPath("some-folder"));
        }
        assertThrows(IllegalArgumentException.class, () -> ModelSerializer.restoreComputationGraph(file.toFile(), false));
    }

    @Test
    void metadataMustNameExistingOutputs() throws Exception {
        Path file = dir.resolve("bad-outputs.zip");
        ModelMetadata m = TinyDetectionModel.metadata();
        ModelMetadata wrong = new ModelMetadata(m.categories(), m.preprocessing(), m.anchors(), m.boxCoder(),
                m.postprocessing(), "logits", "box", null);
        ModelFile.save(TinyDetectionModel.graph(5), wrong, file, false);
        ModelFileException e = assertThrows(ModelFileException.class, () -> ModelFile.load(file, false));
        assertMessage(e, file, "output 'logits'", "[cls, box]");
    }
}
