package io.github.retina4j.models.fpn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads the torch fixtures of this package ({@code src/test/resources/io/github/retina4j/models/fpn/*.json}):
 * tensors are stored as {@code {"shape": [...], "data": [row-major doubles]}}.
 */
final class TorchFixture {
    private TorchFixture() {
    }

    static JsonNode load(String name) {
        try (InputStream in = TorchFixture.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name + " next to " + TorchFixture.class);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static INDArray tensor(JsonNode node) {
        JsonNode shapeNode = node.get("shape");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeNode.get(i).asLong();
        }
        JsonNode data = node.get("data");
        double[] values = new double[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.get(i).asDouble();
        }
        return Nd4j.create(values, shape, 'c').castTo(DataType.DOUBLE);
    }

    /** Largest absolute element-wise difference. */
    static double maxAbsDiff(INDArray a, INDArray b) {
        if (!java.util.Arrays.equals(a.shape(), b.shape())) {
            throw new AssertionError("shapes differ: " + java.util.Arrays.toString(a.shape()) + " vs "
                    + java.util.Arrays.toString(b.shape()));
        }
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    /**
     * Checks {@code op} against every case of {@code resize_ops.json}: its forward against {@code <key>} and its
     * gradient of sum(out · weight) against {@code <key>Grad}, both to 1e-12.
     */
    static void assertMatchesResizeCases(SpatialResize op, String key) {
        JsonNode cases = load("resize_ops.json").get("cases");
        org.junit.jupiter.api.Assertions.assertTrue(cases.size() >= 14, "fixture has too few cases: " + cases.size());
        for (JsonNode c : cases) {
            String name = c.get("inH") + "x" + c.get("inW") + "->" + c.get("outH") + "x" + c.get("outW")
                    + (c.get("ties").asBoolean() ? " (ties)" : "");
            INDArray x = tensor(c.get("x"));
            INDArray w = tensor(c.get("weight"));
            INDArray out = Nd4j.create(DataType.DOUBLE, w.shape());
            op.forward(x, out);
            org.junit.jupiter.api.Assertions.assertEquals(0.0, maxAbsDiff(tensor(c.get(key)), out), 1e-12, "forward " + name);
            INDArray grad = Nd4j.create(DataType.DOUBLE, x.shape());
            op.backward(x, w, grad);
            org.junit.jupiter.api.Assertions.assertEquals(0.0, maxAbsDiff(tensor(c.get(key + "Grad")), grad), 1e-12,
                    "gradient " + name);
        }
    }
}
