package io.github.retina4j.data.boxes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Access to the shared reference files ({@code ../shared/reference}, see its README) for the boxes/anchors/targets
 * tests. The folder comes from the system property {@code retina4j.reference.dir} (set by the parent pom), else
 * {@code ../shared/reference} relative to the repository root. A missing folder fails the test.
 */
public final class BoxesReference {

    private static final ObjectMapper JSON = new ObjectMapper();

    private BoxesReference() {
    }

    public static File dir() {
        String p = System.getProperty("retina4j.reference.dir");
        File d = p != null ? new File(p) : null;
        if (d == null || !d.isDirectory()) {
            // Fallback: tests run from <repo>/dl4j-data, the reference folder is <repo>/../shared/reference.
            d = new File("../../shared/reference");
            if (!d.isDirectory()) {
                d = new File("../shared/reference");
            }
        }
        assertTrue(d.isDirectory(), "reference folder not found (retina4j.reference.dir=" + p + ")");
        return d;
    }

    public static File file(String relative) {
        File f = new File(dir(), relative);
        assertTrue(f.isFile(), "reference file missing: " + f);
        return f;
    }

    public static JsonNode json(String relative) {
        try {
            return JSON.readTree(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The anchors fixture {@code anchors/anchors_targets.json}. */
    public static JsonNode anchorsFixture() {
        return json("anchors/anchors_targets.json");
    }

    public static INDArray npy(String relative) {
        return Nd4j.createFromNpyFile(file(relative));
    }

    /** A nested JSON list of numbers as a double matrix. */
    public static double[][] matrix(JsonNode node) {
        double[][] m = new double[node.size()][];
        for (int i = 0; i < node.size(); i++) {
            m[i] = vector(node.get(i));
        }
        return m;
    }

    public static double[] vector(JsonNode node) {
        double[] v = new double[node.size()];
        for (int i = 0; i < node.size(); i++) {
            v[i] = node.get(i).asDouble();
        }
        return v;
    }

    public static int[] intVector(JsonNode node) {
        int[] v = new int[node.size()];
        for (int i = 0; i < node.size(); i++) {
            v[i] = node.get(i).asInt();
        }
        return v;
    }

    /** Flattens a {@code [n][4]} matrix row-major. */
    public static double[] flat(double[][] m) {
        int w = m.length == 0 ? 0 : m[0].length;
        double[] out = new double[m.length * w];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, out, i * w, w);
        }
        return out;
    }

    public static INDArray boxes(double[][] m) {
        return m.length == 0 ? Nd4j.create(DataType.DOUBLE, 0, 4) : Nd4j.createFromArray(m);
    }

    /** max |a − b| over all elements. */
    public static double maxAbsDiff(double[] a, double[] b) {
        assertTrue(a.length == b.length, "length " + a.length + " vs " + b.length);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    public static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
