package io.github.retina4j.testsupport;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A NumPy format 1.0 array as the reference files store them (little-endian, C order, {@code <f8} or {@code <i8}),
 * read in plain Java so that tests of modules without a native backend can use it. Values are held as doubles;
 * int64 values of the fixtures are far below 2^53 and so exact.
 *
 * @param shape the array's shape
 * @param data  the elements in row-major order
 */
public record Npy(long[] shape, double[] data) {

    /** Reads {@code file}; anything but format 1.0 {@code <f8}/{@code <i8} in C order fails naming the file. */
    public static Npy read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (bytes.length < 10 || bytes[0] != (byte) 0x93 || bytes[1] != 'N' || bytes[6] != 1) {
            throw new IllegalArgumentException(file + ": not a NumPy format 1.0 file");
        }
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = bb.getShort(8) & 0xffff;
        String header = new String(bytes, 10, headerLen, StandardCharsets.ISO_8859_1);
        boolean f8 = header.contains("'descr': '<f8'");
        boolean i8 = header.contains("'descr': '<i8'");
        if (!(f8 || i8) || !header.contains("'fortran_order': False")) {
            throw new IllegalArgumentException(file + ": expected C-order <f8 or <i8, header " + header.strip());
        }
        String shapeText = header.substring(header.indexOf("'shape': (") + 10);
        shapeText = shapeText.substring(0, shapeText.indexOf(')'));
        List<Long> dims = new ArrayList<>();
        for (String s : shapeText.split(",")) {
            if (!s.isBlank()) {
                dims.add(Long.parseLong(s.trim()));
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        if (10L + headerLen + 8 * size != bytes.length) {
            throw new IllegalArgumentException(file + ": " + (bytes.length - 10 - headerLen) + " data bytes for shape "
                    + dims);
        }
        double[] data = new double[Math.toIntExact(size)];
        bb.position(10 + headerLen);
        for (int i = 0; i < data.length; i++) {
            data[i] = f8 ? bb.getDouble() : bb.getLong();
        }
        return new Npy(shape, data);
    }

    /** The size of dimension {@code d}. */
    public int size(int d) {
        return Math.toIntExact(shape[d]);
    }

    /** The elements as ints (for index and code arrays). */
    public int[] ints() {
        int[] out = new int[data.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.toIntExact((long) data[i]);
        }
        return out;
    }

    /** A double-precision INDArray of this shape. */
    public INDArray array() {
        return Nd4j.create(data, shape, 'c');
    }
}
