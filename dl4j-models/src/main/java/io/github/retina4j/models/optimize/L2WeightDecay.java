package io.github.retina4j.models.optimize;

import io.github.retina4j.models.dl4j.VectorPasses;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.schedule.FixedSchedule;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * PyTorch's {@code weight_decay}: λ·θ joins the gradient before the updater, and the loss DL4J reports includes
 * λ/2·Σθ². That is DL4J's {@link L2Regularization}; this class only runs its two passes as vector loops
 * ({@link VectorPasses}) where the arrays allow, and DL4J's ops elsewhere.
 *
 * <p>Why: DL4J applies and scores the penalty parameter by parameter, one libnd4j op each (an {@code Axpy} and a
 * {@code norm2}); over ResNet-50 RetinaNet's 34 M trainable parameters that took about 80 ms and 60 ms of a training
 * step on this machine, for passes that read 270 MB and 135 MB (DESIGN §10.17).
 */
public class L2WeightDecay extends L2Regularization {

    public L2WeightDecay(double lambda) {
        this(new FixedSchedule(lambda));
    }

    @JsonCreator
    public L2WeightDecay(@JsonProperty("l2") ISchedule lambda) {
        super(lambda);
    }

    @Override
    public void apply(INDArray param, INDArray gradView, double lr, int iteration, int epoch) {
        if (VectorPasses.applies(param, gradView)) {
            float lambda = (float) l2.valueAt(iteration, epoch);
            VectorPasses.run((b, from, to) -> VectorSgd.addScaled(b[0], b[1], lambda, from, to), param, gradView);
        } else {
            super.apply(param, gradView, lr, iteration, epoch);
        }
    }

    @Override
    public double score(INDArray param, int iteration, int epoch) {
        if (VectorPasses.applies(param)) {
            return 0.5 * l2.valueAt(iteration, epoch) * VectorPasses.sum((b, from, to) -> VectorSgd.squares(b[0], from, to), param);
        }
        return super.score(param, iteration, epoch);
    }

    @Override
    public Regularization clone() {
        return new L2WeightDecay(l2.clone());
    }

    @Override
    public String toString() {
        return "L2WeightDecay(" + l2 + ")";
    }
}
