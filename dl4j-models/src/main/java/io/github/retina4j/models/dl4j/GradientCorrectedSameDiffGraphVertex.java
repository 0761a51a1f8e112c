package io.github.retina4j.models.dl4j;

import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.samediff.SameDiffGraphVertex;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runtime side of {@link GradientCorrectedSameDiffVertex}: DL4J's {@link SameDiffGraphVertex} with every
 * backward result scaled by a constant factor (in place: the parameter gradients are views of the network's
 * gradient array, the input errors are freshly computed arrays owned by this call).
 */
public class GradientCorrectedSameDiffGraphVertex extends SameDiffGraphVertex {
    private final double factor;

    public GradientCorrectedSameDiffGraphVertex(SameDiffVertex config, ComputationGraph graph, String name,
                                                int vertexIndex, INDArray paramsView, boolean initParams,
                                                DataType dataType, double factor) {
        super(config, graph, name, vertexIndex, paramsView, initParams, dataType);
        this.factor = factor;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr workspaceMgr) {
        Pair<Gradient, INDArray[]> result = super.doBackward(tbptt, workspaceMgr);
        for (INDArray g : result.getFirst().gradientForVariable().values()) {
            g.muli(factor);
        }
        INDArray[] errors = result.getSecond();
        for (int i = 0; i < errors.length; i++) {
            if (errors[i] == epsilon) {
                // identity edge case of DL4J: never scale the caller's array in place
                errors[i] = errors[i].mul(factor);
            } else {
                errors[i].muli(factor);
            }
        }
        return result;
    }
}
