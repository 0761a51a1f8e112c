package io.github.retina4j.models.imports;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads NumPy {@code .npz} archives ({@code np.savez} / {@code np.savez_compressed}: a zip of {@code .npy}
 * files) into name → {@link INDArray}, e.g. a PyTorch {@code state_dict} exported with
 * {@code np.savez(path, **{k: v.numpy() for k, v in sd.items()})}.
 *
 * <p>The zip walk is hand-written (ND4J reads single {@code .npy} files only); each entry is decoded by
 * {@link Nd4j#createNpyFromByteArray}. Before that, the NPY header is checked here (magic, dtype, shape,
 * payload length) so that a truncated or foreign entry gives an error naming the file and entry instead of
 * a native crash, and Fortran-ordered arrays — which ND4J M2.1 reads as if they were C-ordered
 * ({@code NpzReaderTest#fortranOrderIsHonoured}) — are reordered.
 */
public final class NpzReader {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private NpzReader() {
    }

    /**
     * All arrays of {@code file} in archive order, keyed by entry name without {@code .npy}.
     *
     * @throws IOException              when the file cannot be read
     * @throws IllegalArgumentException naming the file (and entry) when it is not a valid npz
     */
    public static Map<String, INDArray> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("npz file " + file + " does not exist or is not a file");
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (var entries = zip.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                if (entry.isDirectory()) {
                    continue;
                }
                String name = entry.getName();
                if (!name.endsWith(".npy")) {
                    throw new IllegalArgumentException("npz file " + file + ": entry '" + name + "' is not a .npy array");
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(entry)) {
                    bytes = in.readAllBytes();
                } catch (ZipException e) {
                    throw new IllegalArgumentException("npz file " + file + ": entry '" + name + "' is corrupt: " + e.getMessage(), e);
                }
                out.put(name.substring(0, name.length() - 4), decode(bytes, file + "!" + name));
            }
        } catch (ZipException e) {
            throw new IllegalArgumentException("npz file " + file + " is not a valid zip (corrupt or truncated): " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("npz file " + file + " holds no arrays");
        }
        return Collections.unmodifiableMap(out);
    }

    /** Decodes one {@code .npy} payload; {@code source} names it in errors. */
    static INDArray decode(byte[] npy, String source) {
        if (npy.length < 10 || !Arrays.equals(Arrays.copyOf(npy, 6), MAGIC)) {
            throw new IllegalArgumentException(source + ": not an .npy array (bad magic)");
        }
        int major = npy[6];
        int headerLen;
        int headerStart;
        if (major == 1) {
            headerLen = (npy[8] & 0xff) | (npy[9] & 0xff) << 8;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            if (npy.length < 12) {
                throw new IllegalArgumentException(source + ": truncated .npy header");
            }
            headerLen = (npy[8] & 0xff) | (npy[9] & 0xff) << 8 | (npy[10] & 0xff) << 16 | (npy[11] & 0xff) << 24;
            headerStart = 12;
        } else {
            throw new IllegalArgumentException(source + ": unsupported .npy version " + major);
        }
        if (headerLen < 0 || headerStart + headerLen > npy.length) {
            throw new IllegalArgumentException(source + ": truncated .npy header");
        }
        String header = new String(npy, headerStart, headerLen, StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, source, "descr");
        boolean fortran = "True".equals(group(FORTRAN, header, source, "fortran_order"));
        long[] shape = parseShape(group(SHAPE, header, source, "shape"), source);
        int itemSize = itemSize(descr, source);
        long count = 1;
        for (long s : shape) {
            count *= s;
        }
        long payload = npy.length - headerStart - (long) headerLen;
        if (payload != count * itemSize) {
            throw new IllegalArgumentException(source + ": payload has " + payload + " bytes but dtype " + descr + " and shape "
                    + Arrays.toString(shape) + " need " + count * itemSize + " (truncated?)");
        }
        INDArray arr = Nd4j.createNpyFromByteArray(npy);
        if (fortran && shape.length > 1) {
            // the payload is column-major: read it as the reversed shape in C order and transpose back
            long[] reversed = new long[shape.length];
            int[] perm = new int[shape.length];
            for (int i = 0; i < shape.length; i++) {
                reversed[i] = shape[shape.length - 1 - i];
                perm[i] = shape.length - 1 - i;
            }
            arr = arr.reshape('c', reversed).permute(perm).dup('c');
        }
        return arr;
    }

    private static String group(Pattern p, String header, String source, String field) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException(source + ": .npy header has no '" + field + "': " + header.trim());
        }
        return m.group(1);
    }

    private static long[] parseShape(String s, String source) {
        String[] parts = s.split(",");
        long[] dims = new long[parts.length];
        int n = 0;
        for (String p : parts) {
            String t = p.trim();
            if (t.isEmpty()) {
                continue;
            }
            try {
                dims[n++] = Long.parseLong(t.endsWith("L") ? t.substring(0, t.length() - 1) : t);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": bad .npy shape (" + s + ")");
            }
        }
        return Arrays.copyOf(dims, n);
    }

    private static int itemSize(String descr, String source) {
        if (descr.length() < 3 || descr.charAt(0) == '>') {
            throw new IllegalArgumentException(source + ": unsupported dtype '" + descr + "' (little-endian numbers only)");
        }
        switch (descr.substring(1)) {
            case "f2": case "i2": case "u2": return 2;
            case "f4": case "i4": case "u4": return 4;
            case "f8": case "i8": case "u8": return 8;
            case "i1": case "u1": case "b1": return 1;
            default:
                throw new IllegalArgumentException(source + ": unsupported dtype '" + descr + "'");
        }
    }
}
