package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A training listener that allocates the workspaces in which DL4J's {@code ComputationGraph} keeps the errors of the
 * backward pass ({@code WS_LAYER_ACT_n}) as soon as an iteration has shown how much each one needs.
 *
 * <p>Why: DL4J 1.0.0-M2.1 learns their size "over time", after as many uses as the graph has vertices. A workspace
 * used a few times per iteration therefore stays unallocated for tens to hundreds of iterations, and each array put in
 * it meanwhile is fresh native memory, faulted in page by page. At 800×1344 that cost ResNet-50 RetinaNet about 0.6 s
 * of a 15 s training step after two warm-up steps (DESIGN §10.16). Only where the arrays live changes, not what is
 * computed: {@code GradientWorkspaceSizingTest} compares the parameters after training with and without it.
 *
 * <p>It acts on the thread that trains (workspaces belong to threads) after each iteration, when no workspace of the
 * step is open; a workspace that is already large enough is left alone.
 */
public final class GradientWorkspaceSizing extends BaseTrainingListener {
    /** DL4J's names of a graph's per-vertex activation and error workspaces. */
    static final String PREFIX = "WS_LAYER_ACT_";

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        allocateLearnedSizes();
    }

    /**
     * Allocates, on this thread, each closed {@code WS_LAYER_ACT_n} workspace whose largest use so far exceeds its
     * allocation; returns how many it allocated.
     */
    public static int allocateLearnedSizes() {
        int allocated = 0;
        for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
            if (ws.getId().startsWith(PREFIX) && !ws.isScopeActive()
                    && ws.getCurrentSize() < ws.getMaxCycleAllocations()) {
                ws.initializeWorkspace();
                allocated++;
            }
        }
        return allocated;
    }
}
