package io.github.retina4j.losses;

import com.fasterxml.jackson.databind.JsonNode;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import static io.github.retina4j.losses.TestSupport.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Shared parity check of a box loss against one case of box_regression_losses.json. */
final class BoxLossFixtures {

    private BoxLossFixtures() {
    }

    static JsonNode caseNamed(String name) {
        for (JsonNode c : fixture("box_regression_losses.json").get("cases")) {
            if (c.get("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError("case " + name + " missing from box_regression_losses.json");
    }

    /** Value, gradient and masked per-element loss, for masks [R,1] and [R,4]. */
    static void assertParity(ILossFunction loss, String caseName) {
        JsonNode root = fixture("box_regression_losses.json");
        INDArray pred = to2d(array(root.get("inputs").get("pred")));
        INDArray target = to2d(array(root.get("inputs").get("target")));
        INDArray m = array(root.get("inputs").get("pos_mask"));
        JsonNode e = caseNamed(caseName).get("expected");
        double z = e.get("normalizer").asDouble();
        assertEquals(e.get("n_pos").asDouble(), LossMath.countUsedRows(maskColumn(m), pred.rows()));
        for (INDArray mask : new INDArray[]{maskColumn(m), maskElements(m, 4)}) {
            String what = caseName + " mask " + java.util.Arrays.toString(mask.shape());
            assertClose(e.get("total").asDouble(), loss.computeScore(target, pred, new ActivationIdentity(), mask, false), 1e-9, what + " total");
            assertArrayClose(to2d(array(e.get("grad_pred"))), loss.computeGradient(target, pred, new ActivationIdentity(), mask), 1e-9, what + " grad");
            assertArrayClose(to2d(array(e.get("per_element_loss"))).mulColumnVector(maskColumn(m)).div(z).sum(true, 1),
                    loss.computeScoreArray(target, pred, new ActivationIdentity(), mask), 1e-9, what + " per anchor");
        }
    }
}
