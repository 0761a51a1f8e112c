package io.github.retina4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Access to /work/shared/reference (system property {@code retina4j.reference.dir}); missing = test failure. */
final class Reference {

    private Reference() {
    }

    static Path dir() {
        String prop = System.getProperty("retina4j.reference.dir");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "..", "shared", "reference");
        if (!Files.isDirectory(p)) {
            p = Path.of("..", "shared", "reference");
        }
        assertTrue(Files.isDirectory(p), "reference folder not found (retina4j.reference.dir=" + prop + ")");
        return p;
    }

    static Path file(String relative) {
        Path p = dir().resolve(relative);
        assertTrue(Files.isRegularFile(p), "reference file missing: " + p);
        return p;
    }

    static JsonNode json(String relative) {
        try {
            return new ObjectMapper().readTree(file(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A NumPy format 1.0 '<f8' C-order array (the format the reference README specifies). */
    record Npy(int[] shape, double[] data) {
    }

    static Npy npy(String relative) {
        try {
            byte[] bytes = Files.readAllBytes(file(relative));
            ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            assertTrue(bytes[0] == (byte) 0x93 && bytes[1] == 'N', "not an npy file");
            assertTrue(bytes[6] == 1, "npy format 1.0 expected");
            int headerLen = bb.getShort(8) & 0xffff;
            String header = new String(bytes, 10, headerLen, StandardCharsets.ISO_8859_1);
            assertTrue(header.contains("'descr': '<f8'") && header.contains("'fortran_order': False"), header);
            String shapeText = header.substring(header.indexOf("'shape': (") + 10);
            shapeText = shapeText.substring(0, shapeText.indexOf(')'));
            String[] parts = shapeText.split(",");
            int n = 0;
            int[] shape = new int[parts.length];
            for (String s : parts) {
                if (!s.isBlank()) {
                    shape[n++] = Integer.parseInt(s.trim());
                }
            }
            shape = java.util.Arrays.copyOf(shape, n);
            int size = 1;
            for (int d : shape) {
                size *= d;
            }
            double[] data = new double[size];
            bb.position(10 + headerLen);
            bb.asDoubleBuffer().get(data);
            return new Npy(shape, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
