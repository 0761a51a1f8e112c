package io.github.retina4j.models.fpn;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.TestResources;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static io.github.retina4j.testsupport.Close.maxAbsDiff;
import static io.github.retina4j.testsupport.JsonArrays.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The torch fixtures of this package ({@code src/test/resources/io/github/retina4j/models/fpn/*.json}, tensors as
 * {@code {"shape": [...], "data": [row-major doubles]}}) and the check of a resize op against them.
 */
final class TorchFixture {
    private TorchFixture() {
    }

    static JsonNode load(String name) {
        return TestResources.json(TorchFixture.class, name);
    }

    /**
     * Checks {@code op} against every case of {@code resize_ops.json}: its forward against {@code <key>} and its
     * gradient of sum(out · weight) against {@code <key>Grad}, both to 1e-12.
     */
    static void assertMatchesResizeCases(SpatialResize op, String key) {
        JsonNode cases = load("resize_ops.json").get("cases");
        assertTrue(cases.size() > 0, "resize_ops.json has no cases");
        for (JsonNode c : cases) {
            String name = c.get("inH") + "x" + c.get("inW") + "->" + c.get("outH") + "x" + c.get("outW")
                    + (c.get("ties").asBoolean() ? " (ties)" : "");
            INDArray x = tensor(c.get("x"));
            INDArray w = tensor(c.get("weight"));
            INDArray out = Nd4j.create(DataType.DOUBLE, w.shape());
            op.forward(x, out);
            assertEquals(0.0, maxAbsDiff(tensor(c.get(key)), out), 1e-12, "forward " + name);
            INDArray grad = Nd4j.create(DataType.DOUBLE, x.shape());
            op.backward(x, w, grad);
            assertEquals(0.0, maxAbsDiff(tensor(c.get(key + "Grad")), grad), 1e-12, "gradient " + name);
        }
    }
}
