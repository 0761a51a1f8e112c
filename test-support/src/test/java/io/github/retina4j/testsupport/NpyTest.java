package io.github.retina4j.testsupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {

    /** A format 1.0 file as NumPy writes it: magic, version, header length, padded header, data. */
    private static Path write(Path file, String descr, String shape, boolean longs, double... values) throws Exception {
        String header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = 64 - (10 + header.length() + 1) % 64;
        header = header + " ".repeat(pad % 64) + "\n";
        ByteBuffer bb = ByteBuffer.allocate(10 + header.length() + 8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        bb.putShort((short) header.length()).put(header.getBytes(StandardCharsets.ISO_8859_1));
        for (double v : values) {
            if (longs) {
                bb.putLong((long) v);
            } else {
                bb.putDouble(v);
            }
        }
        Files.write(file, bb.array());
        return file;
    }

    @Test
    void readsDoublesAndLongsInRowMajorOrder(@TempDir Path dir) throws Exception {
        Npy f = Npy.read(write(dir.resolve("f.npy"), "<f8", "(2, 3)", false, 1, 2, 3, 4, 5, 6.5));
        assertArrayEquals(new long[] {2, 3}, f.shape());
        assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6.5}, f.data(), 0.0);
        Npy i = Npy.read(write(dir.resolve("i.npy"), "<i8", "(3,)", true, -2, -1, 7));
        assertArrayEquals(new int[] {-2, -1, 7}, i.ints());
        assertArrayEquals(new double[] {4, 5, 6.5}, f.array().getRow(1).toDoubleVector(), 0.0);
    }

    @Test
    void otherFormatsFailNamingTheFile(@TempDir Path dir) throws Exception {
        Path f4 = write(dir.resolve("f4.npy"), "<f4", "(1,)", false);
        String m = assertThrows(IllegalArgumentException.class, () -> Npy.read(f4)).getMessage();
        assertTrue(m.startsWith(f4.toString()), m);
        Path cut = write(dir.resolve("cut.npy"), "<f8", "(4,)", false, 1, 2);
        assertThrows(IllegalArgumentException.class, () -> Npy.read(cut));
        Files.writeString(dir.resolve("text.npy"), "not numpy");
        assertThrows(IllegalArgumentException.class, () -> Npy.read(dir.resolve("text.npy")));
    }
}
