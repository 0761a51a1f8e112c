package io.github.retina4j.models.imports;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test helpers: writes {@code .npz} archives as {@code np.savez} does (stored zip entries of NPY version 1.0,
 * little-endian float32 or int64, C order), and copies the torchvision fixtures out of the classpath (they may sit in a
 * test jar) into a folder.
 */
public final class NpzFiles {

    /** Folder of the narrow ResNet-50 RetinaNet fixture, see its README.md. */
    public static final String TV_R50W8 = "/imports/tv_retinanet_r50w8/";
    /** Folder of the mmdetection RetinaNet / Libra RetinaNet fixture (ResNet-50 widths / 16), see its README.md. */
    public static final String MMDET_R50W16 = "/imports/mmdet_retinanet_r50w16/";

    private NpzFiles() {
    }

    /** Writes {@code arrays} (floating point as float32, the rest as int64) to {@code file}. */
    public static Path write(Path file, Map<String, INDArray> arrays) throws IOException {
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey() + ".npy"));
                writeNpy(zip, e.getValue());
                zip.closeEntry();
            }
        }
        return file;
    }

    private static void writeNpy(OutputStream out, INDArray a) throws IOException {
        boolean fp = a.dataType().isFPType();
        StringBuilder shape = new StringBuilder();
        for (long s : a.shape()) {
            shape.append(s).append(", ");
        }
        String dims = a.rank() == 1 ? a.size(0) + "," : shape.length() == 0 ? "" : shape.substring(0, shape.length() - 2);
        String header = "{'descr': '" + (fp ? "<f4" : "<i8") + "', 'fortran_order': False, 'shape': (" + dims + "), }";
        int total = 10 + header.length() + 1;
        header += " ".repeat((64 - total % 64) % 64) + "\n";
        ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length());
        out.write(head.array());
        out.write(header.getBytes(StandardCharsets.US_ASCII));
        INDArray c = a.dup('c');
        ByteBuffer body = ByteBuffer.allocate((int) c.length() * (fp ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        if (fp) {
            for (float v : c.castTo(DataType.FLOAT).data().asFloat()) {
                body.putFloat(v);
            }
        } else {
            for (long v : c.castTo(DataType.LONG).data().asLong()) {
                body.putLong(v);
            }
        }
        out.write(body.array());
    }

    /**
     * A state dict with the names and shapes of torchvision's ImageNet {@code resnet18} or {@code resnet50}
     * ({@code imports/resnet_state_dict_keys.json}, written by make_resnet_keys.py beside it) and seeded random values:
     * weights N(0, 0.1²), BatchNorm weight and variance U(0.5, 1.5), bias and mean N(0, 0.1²), counters 0.
     */
    public static Map<String, INDArray> torchvisionResNet(String arch, long seed) throws IOException {
        com.fasterxml.jackson.databind.JsonNode keys;
        try (InputStream in = NpzFiles.class.getResourceAsStream("/imports/resnet_state_dict_keys.json")) {
            keys = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in).get(arch);
        }
        if (keys == null) {
            throw new IllegalArgumentException("no torchvision state dict names for " + arch);
        }
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        for (com.fasterxml.jackson.databind.JsonNode k : keys) {
            String name = k.get(0).asText();
            long[] shape = new long[k.get(1).size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = k.get(1).get(i).asLong();
            }
            INDArray v;
            if (name.endsWith(".num_batches_tracked")) {
                v = org.nd4j.linalg.factory.Nd4j.scalar(0L);
            } else if (name.endsWith("running_var") || (shape.length == 1 && name.endsWith(".weight") && !name.startsWith("fc."))) {
                v = org.nd4j.linalg.factory.Nd4j.rand(DataType.FLOAT, shape).addi(0.5);
            } else {
                v = org.nd4j.linalg.factory.Nd4j.randn(DataType.FLOAT, shape).muli(0.1);
            }
            out.put(name, v);
        }
        return out;
    }

    /** Copies classpath resource {@code resource} to {@code dir} and returns the copy. */
    public static Path copy(String resource, Path dir) throws IOException {
        try (InputStream in = NpzFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("test resource " + resource + " not found");
            }
            Path out = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
            Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
            return out;
        }
    }
}
