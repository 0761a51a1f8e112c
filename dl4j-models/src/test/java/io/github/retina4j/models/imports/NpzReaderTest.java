package io.github.retina4j.models.imports;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.github.retina4j.testsupport.ExactArrays.assertIdentical;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * small_types.npz was written by NumPy 1.24 with
 * {@code np.savez(f, f32=np.arange(6, dtype=np.float32).reshape(2,3)/4, f64=np.array([[1.5,-2.25]]),
 * f16=np.array([0.5,-1.0,2.0], dtype=np.float16), i64=np.array([3,-4,5]),
 * fortran=np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2,3)))} and
 * small_types_compressed.npz with {@code np.savez_compressed(f, f32=...)} (the same f32).
 */
class NpzReaderTest {

    @TempDir
    Path dir;

    static Path resource(String name) throws Exception {
        return Path.of(NpzReaderTest.class.getResource("/imports/" + name).toURI());
    }

    @Test
    void readsEveryDtypeAndKeepsArchiveOrder() throws Exception {
        Map<String, INDArray> m = NpzReader.read(resource("small_types.npz"));
        assertEquals(List.of("f32", "f64", "f16", "i64", "fortran"), List.copyOf(m.keySet()));
        assertArrayEquals(new long[] {2, 3}, m.get("f32").shape());
        assertArrayEquals(new float[] {0, 0.25f, 0.5f, 0.75f, 1, 1.25f}, m.get("f32").data().asFloat(), 0f);
        assertEquals(DataType.DOUBLE, m.get("f64").dataType());
        assertArrayEquals(new double[] {1.5, -2.25}, m.get("f64").castTo(DataType.DOUBLE).data().asDouble(), 0);
        assertEquals(DataType.HALF, m.get("f16").dataType());
        assertArrayEquals(new float[] {0.5f, -1f, 2f}, m.get("f16").castTo(DataType.FLOAT).data().asFloat(), 0f);
        assertArrayEquals(new long[] {3, -4, 5}, m.get("i64").data().asLong());
    }

    @Test
    void fortranOrderIsHonoured() throws Exception {
        INDArray f = NpzReader.read(resource("small_types.npz")).get("fortran");
        assertArrayEquals(new long[] {2, 3}, f.shape());
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(3 * r + c, f.getDouble(r, c), 0, "element " + r + "," + c);
            }
        }
    }

    /**
     * Guard for the workaround in {@link NpzReader#decode}: ND4J M2.1 ignores {@code fortran_order}. If this
     * fails, ND4J has fixed it and NpzReader must stop reordering.
     */
    @Test
    void nd4jStillReadsFortranArraysAsCOrder() throws Exception {
        byte[] npy;
        try (var zip = new java.util.zip.ZipFile(resource("small_types.npz").toFile())) {
            npy = zip.getInputStream(zip.getEntry("fortran.npy")).readAllBytes();
        }
        INDArray raw = org.nd4j.linalg.factory.Nd4j.createNpyFromByteArray(npy);
        // payload (column-major) 0, 3, 1, 4, 2, 5 read row-major as [[0, 3, 1], [4, 2, 5]]; the true (1, 0) is 3
        assertEquals(4.0, raw.getDouble(1, 0), 0, "ND4J honours fortran_order: remove NpzReader's reordering");
    }

    @Test
    void readsCompressedArchives() throws Exception {
        assertIdentical("f32 from the compressed archive", NpzReader.read(resource("small_types.npz")).get("f32"),
                NpzReader.read(resource("small_types_compressed.npz")).get("f32"));
    }

    @Test
    void corruptFilesAreReportedWithTheirName() throws Exception {
        byte[] bytes = Files.readAllBytes(resource("small_types.npz"));
        Path truncated = dir.resolve("truncated.npz");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 100));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NpzReader.read(truncated));
        assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());
        Path missing = dir.resolve("missing.npz");
        e = assertThrows(IllegalArgumentException.class, () -> NpzReader.read(missing));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void badNpyPayloadsAreReported() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NpzReader.decode("not numpy".getBytes(), "x.npz!a.npy"));
        assertTrue(e.getMessage().startsWith("x.npz!a.npy: not an .npy array"), e.getMessage());
        // a valid header whose payload is cut short
        String header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        byte[] h = header.getBytes();
        byte[] npy = new byte[10 + h.length + 8];
        System.arraycopy(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length, 0}, 0, npy, 0, 10);
        System.arraycopy(h, 0, npy, 10, h.length);
        e = assertThrows(IllegalArgumentException.class, () -> NpzReader.decode(npy, "y.npy"));
        assertTrue(e.getMessage().contains("payload has 8 bytes") && e.getMessage().contains("need 24"), e.getMessage());
    }
}
