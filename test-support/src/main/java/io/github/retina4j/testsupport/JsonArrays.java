package io.github.retina4j.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Numbers of fixture JSON as Java and ND4J arrays. Two encodings occur: nested lists in row-major order (the
 * reference folder) and {@code {"shape": [...], "data": [...]}} objects (the torch fixtures of the model tests).
 */
public final class JsonArrays {

    private JsonArrays() {
    }

    /** A nested list of numbers as a double INDArray of its natural shape (a scalar node gives shape []). */
    public static INDArray array(JsonNode nested) {
        List<Long> shape = new ArrayList<>();
        for (JsonNode c = nested; c.isArray(); c = c.get(0)) {
            shape.add((long) c.size());
            if (c.size() == 0) {
                break;
            }
        }
        double[] flat = flatten(nested);
        return Nd4j.create(flat, shape.stream().mapToLong(Long::longValue).toArray(), 'c');
    }

    /** A {@code {"shape": [...], "data": [row-major values]}} object as a double INDArray. */
    public static INDArray tensor(JsonNode node) {
        long[] shape = new long[node.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = node.get("shape").get(i).asLong();
        }
        return Nd4j.create(flatten(node.get("data")), shape, 'c').castTo(DataType.DOUBLE);
    }

    /** Every number of a (possibly nested) list, in row-major order. */
    public static double[] flatten(JsonNode nested) {
        List<Double> out = new ArrayList<>();
        collect(nested, out);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static void collect(JsonNode n, List<Double> out) {
        if (n.isArray()) {
            for (JsonNode e : n) {
                collect(e, out);
            }
        } else {
            out.add(n.asDouble());
        }
    }

    /** A flat list of numbers. */
    public static double[] doubles(JsonNode list) {
        double[] v = new double[list.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = list.get(i).asDouble();
        }
        return v;
    }

    /** A flat list of integers. */
    public static int[] ints(JsonNode list) {
        int[] v = new int[list.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = list.get(i).asInt();
        }
        return v;
    }

    /** A list of equally long lists of numbers. */
    public static double[][] matrix(JsonNode rows) {
        double[][] m = new double[rows.size()][];
        for (int i = 0; i < m.length; i++) {
            m[i] = doubles(rows.get(i));
        }
        return m;
    }
}
