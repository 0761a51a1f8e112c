package io.github.retina4j.losses;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.retina4j.testsupport.ReferenceData;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.ArrayList;
import java.util.List;

import static io.github.retina4j.losses.TestSupport.*;
import static io.github.retina4j.testsupport.Close.*;
import static io.github.retina4j.testsupport.JsonArrays.array;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Parity of a box loss with the cases of box_regression_losses.json. A case's name starts with the loss it is for
 * ({@code balanced_l1}, {@code smooth_l1}, {@code l1}, then optionally {@code _<variant>}); its {@code hyper} holds the
 * loss's parameters.
 */
final class BoxLossFixtures {

    static final String FILE = "box_regression_losses.json";

    private BoxLossFixtures() {
    }

    /** Every case for the loss {@code prefix}; none fails the test. */
    static List<JsonNode> cases(String prefix) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode c : ReferenceData.json(FILE).get("cases")) {
            String name = c.get("name").asText();
            if (name.equals(prefix) || name.startsWith(prefix + "_")) {
                out.add(c);
            }
        }
        assertFalse(out.isEmpty(), FILE + " has no case for " + prefix);
        return out;
    }

    /** Value, gradient and masked per-element loss of one case, for masks [R,1] and [R,4]. */
    static void assertParity(ILossFunction loss, JsonNode c) {
        JsonNode root = ReferenceData.json(FILE);
        String caseName = c.get("name").asText();
        INDArray pred = to2d(array(root.get("inputs").get("pred")));
        INDArray target = to2d(array(root.get("inputs").get("target")));
        INDArray m = array(root.get("inputs").get("pos_mask"));
        JsonNode e = c.get("expected");
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
