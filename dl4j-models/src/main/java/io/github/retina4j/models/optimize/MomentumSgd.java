package io.github.retina4j.models.optimize;

import io.github.retina4j.models.dl4j.VectorPasses;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * SGD with classical (heavy-ball) momentum exactly as PyTorch's {@code torch.optim.SGD}
 * (dampening 0, no Nesterov), the optimiser of mmdetection's RetinaNet:
 * {@code v ← μ·v + g; θ ← θ − lr·v}. Hand-written because DL4J only ships Nesterov momentum
 * ({@code Nesterovs}), whose update differs. Weight decay is {@link L2WeightDecay}, which, like PyTorch's
 * {@code weight_decay}, is added to the gradient before the momentum step.
 */
public final class MomentumSgd implements IUpdater {

    /** mmdet RetinaNet: {@code optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001)}. */
    public static final double MMDET_MOMENTUM = 0.9;

    @JsonProperty private double learningRate;
    @JsonProperty private ISchedule learningRateSchedule;
    @JsonProperty private double momentum;

    /** For Jackson. */
    private MomentumSgd() {
    }

    public MomentumSgd(ISchedule learningRateSchedule, double momentum) {
        this(Double.NaN, Objects.requireNonNull(learningRateSchedule, "learningRateSchedule"), momentum);
    }

    public MomentumSgd(double learningRate, double momentum) {
        this(learningRate, null, momentum);
    }

    private MomentumSgd(double learningRate, ISchedule schedule, double momentum) {
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.learningRate = learningRate;
        this.learningRateSchedule = schedule;
        this.momentum = momentum;
    }

    public double getMomentum() {
        return momentum;
    }

    public ISchedule getLearningRateSchedule() {
        return learningRateSchedule;
    }

    @Override
    public long stateSize(long numParams) {
        return numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        Updater u = new Updater(this);
        u.setStateViewArray(viewArray, viewArray.shape(), viewArray.ordering(), initializeViewArray);
        return u;
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        Updater u = new Updater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    @Override
    public MomentumSgd clone() {
        return new MomentumSgd(learningRate, learningRateSchedule == null ? null : learningRateSchedule.clone(), momentum);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MomentumSgd m && Double.compare(m.learningRate, learningRate) == 0
                && m.momentum == momentum && Objects.equals(m.learningRateSchedule, learningRateSchedule);
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, momentum);
    }

    @Override
    public String toString() {
        return "MomentumSgd(lr=" + (learningRateSchedule != null ? learningRateSchedule : learningRate)
                + ", momentum=" + momentum + ")";
    }

    /** The per-parameter-block state: the velocity buffer {@code v}. */
    static final class Updater implements GradientUpdater<MomentumSgd> {
        static final String VELOCITY = "V";
        private final MomentumSgd config;
        private INDArray v;

        Updater(MomentumSgd config) {
            this.config = config;
        }

        @Override
        public MomentumSgd getConfig() {
            return config;
        }

        @Override
        public void setState(Map<String, INDArray> state, boolean initialize) {
            INDArray velocity = state.get(VELOCITY);
            if (velocity == null) {
                throw new IllegalStateException("momentum updater state has no '" + VELOCITY + "' array: " + state.keySet());
            }
            v = velocity;
            if (initialize) {
                v.assign(0);
            }
        }

        @Override
        public Map<String, INDArray> getState() {
            return Map.of(VELOCITY, v);
        }

        @Override
        public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
            if (!viewArray.isRowVectorOrScalar()) {
                throw new IllegalArgumentException("momentum state must be a row vector, got " + viewArray.shapeInfoToString());
            }
            if (initialize) {
                viewArray.assign(0);
            }
            v = viewArray.reshape(gradientOrder, gradientShape);
        }

        /** Turns the gradient into the update that DL4J subtracts from the parameters. */
        @Override
        public void applyUpdater(INDArray gradient, int iteration, int epoch) {
            double lr = config.getLearningRate(iteration, epoch);
            if (VectorPasses.applies(v, gradient)) {
                // one pass instead of DL4J's four ops over the whole block (DESIGN §10.17)
                float mu = (float) config.momentum;
                VectorPasses.run((b, from, to) -> VectorSgd.momentum(b[0], b[1], mu, (float) lr, from, to), v, gradient);
            } else {
                v.muli(config.momentum).addi(gradient);
                gradient.assign(v).muli(lr);
            }
        }
    }
}
