package io.github.retina4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.retina4j.models.io.ModelFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainLibraRetinaNetTest {

    @Test
    void trainsAndEvaluatesLibraRetinaNet(@TempDir Path out) throws Exception {
        TinyRun.Outputs run = TinyRun.train(TrainLibraRetinaNet::main, out);
        assertTrue(run.printed().matches(
                "(?s).*Libra RetinaNet, shapes-lt val: AP -?\\d\\.\\d{3}  AP50 -?\\d\\.\\d{3}  AP75 -?\\d\\.\\d{3}.*"), run.printed());
        TinyRun.assertMetrics(run.metrics().get("stats"), "AP", "AP50", "AP75", "AR100");
        // the saved graph is Libra's: balanced feature pyramid (non-local refinement) and balanced L1 on the boxes
        String graph = ModelFile.load(out.resolve("model.zip"), false).graph().getConfiguration().toJson();
        assertTrue(graph.contains("NonLocalBlockVertex"), "no balanced feature pyramid in the saved graph");
        assertTrue(graph.contains("BalancedL1Loss"), "no balanced L1 loss in the saved graph");
    }
}
